package dev.weft.core;

/**
 * The caller did not identify itself, or its credentials are not valid. Kind {@link ErrorKind#UNAUTHENTICATED}
 * (HTTP 401). The message never repeats the credentials.
 *
 * <p>Thrown as this class (not a subclass), its message is written for the client: an edge may show it as the
 * problem's detail, so it names no database, host, SQL or bound value.
 */
public class UnauthenticatedException extends WeftException {
    private static final long serialVersionUID = 1L;

    /**
     * @param code a stable code such as {@code unauthorized}
     * @param message what is missing or wrong, never the credential itself
     */
    public UnauthenticatedException(String code, String message) {
        super(ErrorKind.UNAUTHENTICATED, code, message, null);
    }
}
