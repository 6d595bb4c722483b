package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.Checks;
import dev.weft.core.InvalidConfigException;
import java.time.Duration;

/**
 * The timeouts of an {@link ApiClient}'s calls. Immutable and thread-safe.
 *
 * @param connect time allowed to open a TCP (and TLS) connection ({@code connect-timeout})
 * @param response time allowed between bytes of a response, the socket read timeout ({@code response-timeout})
 * @param total deadline of one call, all attempts and backoff included ({@code total-timeout})
 */
public record TimeoutConfig(Duration connect, Duration response, Duration total) {
    /** Default connect timeout (the guides' {@code connection_timeout}). */
    public static final Duration DEFAULT_CONNECT = Duration.ofSeconds(10);
    /** Default response (read) timeout (the guides' {@code timeout}). */
    public static final Duration DEFAULT_RESPONSE = Duration.ofSeconds(30);
    /** Default deadline of a call, retries included. */
    public static final Duration DEFAULT_TOTAL = Duration.ofSeconds(60);

    /**
     * Checks every value.
     *
     * @throws InvalidConfigException naming the first timeout under 1 ms
     */
    public TimeoutConfig {
        Checks.atLeast(of("connect-timeout"), connect, Duration.ofMillis(1));
        Checks.atLeast(of("response-timeout"), response, Duration.ofMillis(1));
        Checks.atLeast(of("total-timeout"), total, Duration.ofMillis(1));
    }

    /**
     * Returns the defaults.
     *
     * @return 10 s to connect, 30 s between bytes, 60 s per call
     */
    public static TimeoutConfig defaults() {
        return new TimeoutConfig(DEFAULT_CONNECT, DEFAULT_RESPONSE, DEFAULT_TOTAL);
    }

    /**
     * A copy with another connect timeout.
     *
     * @param value the connect timeout
     * @return the changed copy
     */
    public TimeoutConfig withConnect(Duration value) {
        return new TimeoutConfig(value, response, total);
    }

    /**
     * A copy with another response timeout.
     *
     * @param value the response timeout
     * @return the changed copy
     */
    public TimeoutConfig withResponse(Duration value) {
        return new TimeoutConfig(connect, value, total);
    }

    /**
     * A copy with another call deadline.
     *
     * @param value the deadline of a call
     * @return the changed copy
     */
    public TimeoutConfig withTotal(Duration value) {
        return new TimeoutConfig(connect, response, value);
    }
}
