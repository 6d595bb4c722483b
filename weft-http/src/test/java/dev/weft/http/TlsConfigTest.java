package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class TlsConfigTest {
    private static final String PASSWORD = "changeit";

    /** A self-signed certificate for 127.0.0.1 made by keytool, and a trust store holding it. */
    private static Path[] keyAndTrustStores(Path directory) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path keys = directory.resolve("server.p12");
        Path cert = directory.resolve("server.crt");
        Path trust = directory.resolve("trust.p12");
        run(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-keystore", keys.toString(), "-storepass", PASSWORD);
        run(keytool.toString(), "-exportcert", "-alias", "server", "-keystore", keys.toString(), "-storepass",
                PASSWORD, "-file", cert.toString());
        run(keytool.toString(), "-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(),
                "-keystore", trust.toString(), "-storepass", PASSWORD);
        return new Path[] {keys, trust};
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(output).isZero();
    }

    private static com.sun.net.httpserver.HttpsServer tlsServer(Path keys) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keys)) {
            store.load(in, PASSWORD.toCharArray());
        }
        javax.net.ssl.KeyManagerFactory managers = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        managers.init(store, PASSWORD.toCharArray());
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(context));
        server.createContext("/hello", exchange -> {
            byte[] body = "{\"hello\":\"tls\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void trustsACustomStoreAndRefusesAnUnknownCertificate(@TempDir Path directory) throws Exception {
        Path[] stores = keyAndTrustStores(directory);
        com.sun.net.httpserver.HttpsServer server = tlsServer(stores[0]);
        String url = "https://127.0.0.1:" + server.getAddress().getPort();
        try (ApiClient trusting = ApiClient.create(ApiConfig.builder(url).name("trusting").trustStore(stores[1])
                        .trustStorePassword(Secret.of(PASSWORD)).build());
                ApiClient strict = ApiClient.create(ApiConfig.builder(url).name("strict").maxRetries(0).build());
                ApiClient insecure = ApiClient.create(ApiConfig.builder(url).name("insecure").verifyTls(false)
                        .build())) {

            assertThat(trusting.get("/hello").send().text()).isEqualTo("{\"hello\":\"tls\"}");
            assertThatThrownBy(() -> strict.get("/hello").send()).isInstanceOfSatisfying(ApiConnectException.class,
                    e -> {
                        assertThat(e.code()).isEqualTo("tls_failure");
                        assertThat(e.retryable()).isFalse();
                    });
            assertThat(insecure.get("/hello").send().status()).isEqualTo(200);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void warnsAtStartWhenVerificationIsOff() {
        Logger logger = (Logger) LoggerFactory.getLogger(Transport.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try (ApiClient ignored = ApiClient.create(ApiConfig.builder("https://api.example.com").name("insecure")
                .verifyTls(false).build())) {

            assertThat(events.list).anySatisfy(event -> {
                assertThat(event.getLevel().toString()).isEqualTo("WARN");
                assertThat(event.getFormattedMessage()).contains("TLS verification is OFF");
            });
        } finally {
            logger.detachAppender(events);
        }
    }

    @Test
    void refusesATrustStoreWithVerificationOff() {
        assertThatThrownBy(() -> ApiConfig.builder("https://api.example.com").verifyTls(false)
                .trustStore(Path.of("trust.p12")).build()).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("trust-store");
    }

    @Test
    void namesAnUnreadableTrustStore(@TempDir Path directory) throws Exception {
        Path bogus = Files.writeString(directory.resolve("trust.p12"), "not a key store");

        assertThatThrownBy(() -> ApiClient.create(ApiConfig.builder("https://api.example.com").name("custom")
                .trustStore(bogus).trustStorePassword(Secret.of("changeit")).build()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.http.custom.trust-store")
                .hasMessageNotContaining("changeit");
    }
}
