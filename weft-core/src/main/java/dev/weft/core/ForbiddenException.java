package dev.weft.core;

/**
 * The caller is known but may not do this. Kind {@link ErrorKind#FORBIDDEN} (HTTP 403).
 *
 * <p>Thrown as this class (not a subclass), its message is written for the client: an edge may show it as the
 * problem's detail, so it names no database, host, SQL or bound value.
 */
public class ForbiddenException extends WeftException {
    private static final long serialVersionUID = 1L;

    /**
     * @param code a stable code such as {@code forbidden}
     * @param message what was refused
     */
    public ForbiddenException(String code, String message) {
        super(ErrorKind.FORBIDDEN, code, message, null);
    }
}
