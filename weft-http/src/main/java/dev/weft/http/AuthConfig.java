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
    private static final String HEADER_VALUE_RULE =
            "must not contain control characters (a trailing newline?) or characters beyond ISO-8859-1";

    /** Default API key header. */
    public static final String DEFAULT_API_KEY_HEADER = "X-API-Key";

    /**
     * Checks the values.
     *
     * @throws InvalidConfigException if the header is not a header name, or the token or key could not be sent as
     *     a header value (control characters, characters beyond ISO-8859-1)
     */
    public AuthConfig {
        Objects.requireNonNull(bearerToken, "bearerToken");
        Objects.requireNonNull(apiKey, "apiKey");
        if (apiKeyHeader == null || !Headers.validName(apiKeyHeader)) {
            throw new InvalidConfigException(of("api-key-header"), apiKeyHeader, "must be a header name");
        }
        // A token read from a file often ends in a newline: HC5 would send it as a space (a puzzling 401), so it
        // is refused here, with the setting's name and never the value.
        if (!Headers.validValue(bearerToken.reveal())) {
            throw new InvalidConfigException(of("bearer-token"), "<secret>", HEADER_VALUE_RULE);
        }
        if (!Headers.validValue(apiKey.reveal())) {
            throw new InvalidConfigException(of("api-key"), "<secret>", HEADER_VALUE_RULE);
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
