package dev.weft.http;

import dev.weft.core.InvalidConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Apache HttpClient 5 (classic, blocking: right for virtual threads) pool and client for one config. HC5's own
 * retries and redirects are off: weft retries with its budget, and a redirect to another host would bypass the
 * SSRF guard. A config's {@link AddressPolicy} becomes the pool's DNS resolver ({@link PolicyDnsResolver}), so the
 * addresses checked are the addresses connected to; no proxy is ever configured, which that check relies on.
 */
final class Transport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    final PoolingHttpClientConnectionManager pool;
    final CloseableHttpClient client;

    private Transport(PoolingHttpClientConnectionManager pool, CloseableHttpClient client) {
        this.pool = pool;
        this.client = client;
    }

    static Transport create(ApiConfig config) {
        PoolingHttpClientConnectionManagerBuilder poolBuilder = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(config.pool().maxConnections())
                .setMaxConnPerRoute(config.pool().maxConnectionsPerHost())
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.STRICT)
                .setConnPoolPolicy(PoolReusePolicy.LIFO)
                .setDefaultSocketConfig(SocketConfig.custom().setTcpNoDelay(true)
                        .setSoTimeout(Timeout.of(config.timeouts().response())).build())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(config.timeouts().connect()))
                        .setSocketTimeout(Timeout.of(config.timeouts().response()))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .build());
        if ("https".equalsIgnoreCase(config.baseUrl().getScheme()) || !config.tls().verify()
                || config.tls().trustStore() != null) {
            ClientTlsStrategyBuilder tls = ClientTlsStrategyBuilder.create();
            if (!config.tls().verify()) {
                log.atWarn().setMessage("TLS verification is OFF: server certificates and host names are not checked")
                        .addKeyValue("api_client", config.name()).log();
                tls.setSslContext(trustAll()).setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
            } else if (config.tls().trustStore() instanceof Path store) {
                tls.setSslContext(fromTrustStore(config, store));
            }
            poolBuilder.setTlsSocketStrategy(tls.buildClassic());
        }
        if (config.addressPolicy() != AddressPolicy.allowAll()) {
            // Every new connection resolves through the policy and connects only to the addresses it checked.
            poolBuilder.setDnsResolver(new PolicyDnsResolver(config.addressPolicy()));
        }
        PoolingHttpClientConnectionManager pool = poolBuilder.build();
        List<Header> defaults = new ArrayList<>();
        for (Map.Entry<String, String> header : config.defaultHeaders().entrySet()) {
            // HC5's default headers go to every host: credentials among them are added per request, to the base
            // URL's host only (AttemptRunner).
            if (!Headers.credential(config, header.getKey())) {
                defaults.add(new BasicHeader(header.getKey(), header.getValue()));
            }
        }
        HttpClientBuilder builder = HttpClientBuilder.create()
                .setConnectionManager(pool)
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent(config.userAgent())
                .setDefaultHeaders(defaults)
                .evictExpiredConnections()
                .evictIdleConnections(TimeValue.of(config.pool().idleEviction()))
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(config.timeouts().response()))
                        .setConnectionRequestTimeout(Timeout.of(config.timeouts().total()))
                        .setExpectContinueEnabled(false)
                        .build());
        if (!config.compression()) {
            builder.disableContentCompression();
        }
        if (!config.pool().keepAlive()) {
            builder.setConnectionReuseStrategy((request, response, context) -> false);
        }
        return new Transport(pool, builder.build());
    }

    private static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new javax.net.ssl.TrustManager[] {new TrustingManager()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JDK", e);
        }
    }

    private static SSLContext fromTrustStore(ApiConfig config, Path trustStore) {
        String setting = "weft.http." + config.name() + ".trust-store";
        try (InputStream in = Files.newInputStream(trustStore)) {
            String file = String.valueOf(trustStore.getFileName()).toLowerCase(java.util.Locale.ROOT);
            KeyStore store = KeyStore.getInstance(file.endsWith(".jks") ? "JKS" : "PKCS12");
            store.load(in, config.tls().trustStorePassword().reveal().toCharArray());
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new InvalidConfigException(setting, trustStore, "cannot be read as a trust store", e);
        }
    }

    /** Accepts every certificate; only used when the operator turned verification off (and warned above). */
    private static final class TrustingManager implements javax.net.ssl.X509TrustManager {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            // verification is off by configuration
        }

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            // verification is off by configuration
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException e) {
            log.atDebug().setMessage("closing the HTTP client failed").setCause(e).log();
        }
        pool.close();
    }
}
