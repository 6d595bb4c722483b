package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.util.Objects;

/**
 * The credentials an {@link ApiClient} sends, only ever to its base URL's host. {@link #toString()} cannot print
 * them ({@link Secret}). Immutable and thread-safe.
 *
 * @param bearerToken token sent as {@code Authorization: Bearer}, or empty
 * @param apiKey key sent in {@link #apiKeyHeader()}, or empty
 * @param apiKeyHeader header carrying the API key ({@code api-key-header})
 */
public record AuthConfig(Secret bearerToken, Secret apiKey, String apiKeyHeader) {
    /** Default API key header. */
    public static final String DEFAULT_API_KEY_HEADER = "X-API-Key";

    /**
     * Checks the values.
     *
     * @throws InvalidConfigException if the header is not a header name
     */
    public AuthConfig {
        Objects.requireNonNull(bearerToken, "bearerToken");
        Objects.requireNonNull(apiKey, "apiKey");
        if (apiKeyHeader == null || !Headers.validName(apiKeyHeader)) {
            throw new InvalidConfigException(of("api-key-header"), apiKeyHeader, "must be a header name");
        }
    }

    /**
     * Returns the default.
     *
     * @return no credentials, the key header {@value #DEFAULT_API_KEY_HEADER}
     */
    public static AuthConfig none() {
        return new AuthConfig(Secret.empty(), Secret.empty(), DEFAULT_API_KEY_HEADER);
    }

    /**
     * A copy with a bearer token.
     *
     * @param token the token
     * @return the changed copy
     */
    public AuthConfig withBearerToken(Secret token) {
        return new AuthConfig(token, apiKey, apiKeyHeader);
    }

    /**
     * A copy with an API key.
     *
     * @param key the key
     * @param header the header carrying it
     * @return the changed copy
     */
    public AuthConfig withApiKey(Secret key, String header) {
        return new AuthConfig(bearerToken, key, header);
    }
}
