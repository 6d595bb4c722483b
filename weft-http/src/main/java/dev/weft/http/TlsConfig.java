package dev.weft.http;

import static dev.weft.http.SettingNames.of;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How an {@link ApiClient} checks the servers it talks to. Immutable and thread-safe.
 *
 * @param verify whether server certificates and host names are verified ({@code verify-tls})
 * @param trustStore a PKCS12 or JKS trust store replacing the JDK's, or {@code null} ({@code trust-store}); only
 *     with {@code verify}
 * @param trustStorePassword password of the trust store, empty when none
 */
public record TlsConfig(boolean verify, @Nullable Path trustStore, Secret trustStorePassword) {

    /**
     * Checks the values.
     *
     * @throws InvalidConfigException if a trust store is set while verification is off
     */
    public TlsConfig {
        Objects.requireNonNull(trustStorePassword, "trustStorePassword");
        if (trustStore != null && !verify) {
            throw new InvalidConfigException(of("trust-store"), trustStore, "cannot be set when verify-tls is false");
        }
    }

    /**
     * Returns the default.
     *
     * @return verification on, with the JDK's trust store
     */
    public static TlsConfig defaults() {
        return new TlsConfig(true, null, Secret.empty());
    }

    /**
     * A copy trusting the certificates of a store (verification stays on).
     *
     * @param store the PKCS12 or JKS file
     * @param password its password
     * @return the changed copy
     */
    public TlsConfig withTrustStore(Path store, Secret password) {
        return new TlsConfig(verify, Objects.requireNonNull(store, "store"), password);
    }
}
