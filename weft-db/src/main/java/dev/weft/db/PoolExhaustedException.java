package dev.weft.db;

/**
 * No connection became free within the pool's acquire timeout. Kind {@link dev.weft.core.ErrorKind#UNAVAILABLE}
 * (HTTP 503), code {@code pool_exhausted}. The message gives the pool's state at the time:
 * {@code pool 'primary': no connection in 5000 ms (active=20, idle=0, waiting=37)}.
 */
public class PoolExhaustedException extends DatabaseUnavailableException {
    private static final long serialVersionUID = 1L;

    /** @param message the pool's name and state */
    public PoolExhaustedException(String message) {
        super("pool_exhausted", message, null, null);
    }
}
