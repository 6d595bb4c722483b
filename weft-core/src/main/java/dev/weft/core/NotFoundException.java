package dev.weft.core;

/**
 * The thing asked for does not exist. Kind {@link ErrorKind#NOT_FOUND} (HTTP 404).
 *
 * <p>Thrown as this class (not a subclass), its message is written for the client: an edge may show it as the
 * problem's detail, so it names no database, host, SQL or bound value.
 */
public class NotFoundException extends WeftException {
    private static final long serialVersionUID = 1L;

    /**
     * @param code a stable code such as {@code user_not_found}, or {@code not_found}
     * @param message what was looked for, without sensitive values
     */
    public NotFoundException(String code, String message) {
        super(ErrorKind.NOT_FOUND, code, message, null);
    }
}
