package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.cache.TypeRef;
import dev.weft.core.InvalidInputException;
import dev.weft.core.Secret;
import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ApiClientTest {
    record Widget(long id, String name) {
    }

    private FaultServer server;
    private ApiClient api;

    @BeforeEach
    void start() {
        server = FaultServer.start();
        api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("test")
                .bearerToken(Secret.of("tok-secret")).apiKey(Secret.of("key-secret"))
                .retryDelay(Duration.ofMillis(5)).maxRetryDelay(Duration.ofMillis(50)).build());
    }

    @AfterEach
    void stop() {
        api.close();
        server.close();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> echoed(ApiResponse response) {
        return (Map<String, Object>) response.tree();
    }

    @SuppressWarnings("unchecked")
    private static List<String> header(Map<String, Object> echo, String name) {
        Map<String, List<String>> headers = (Map<String, List<String>>) echo.get("headers");
        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .flatMap(e -> e.getValue().stream()).toList();
    }

    @Test
    void mapsAJsonBodyToARecordATreeAndText() {
        server.route("GET", "/widgets/7", Behavior.json(200, "{\"id\":7,\"name\":\"gear\"}"));

        Widget widget = api.get("/widgets/{id}").pathParam("id", 7).send(Widget.class);
        Object tree = api.get("/widgets/7").send().tree();
        String text = api.get("/widgets/7").send().text();

        assertThat(widget).isEqualTo(new Widget(7, "gear"));
        assertThat(tree).isEqualTo(Map.of("id", 7, "name", "gear"));
        assertThat(text).isEqualTo("{\"id\":7,\"name\":\"gear\"}");
    }

    @Test
    void mapsGenericTypes() {
        server.route("GET", "/widgets", Behavior.json(200, "[{\"id\":1,\"name\":\"a\"},{\"id\":2,\"name\":\"b\"}]"));

        List<Widget> widgets = api.get("/widgets").send(new TypeRef<List<Widget>>() { });

        assertThat(widgets).extracting(Widget::id).containsExactly(1L, 2L);
    }

    @Test
    void sendsJsonBodiesQueryParametersAndCredentials() {
        server.route("POST", "/echo", Behavior.echo());

        Map<String, Object> echo = echoed(api.post("/echo").query("q", "a b").json(Map.of("name", "x")).send());

        assertThat(echo.get("method")).isEqualTo("POST");
        assertThat(echo.get("query")).isEqualTo("q=a%20b");
        assertThat(echo.get("body")).isEqualTo("{\"name\":\"x\"}");
        assertThat(header(echo, "Authorization")).containsExactly("Bearer tok-secret");
        assertThat(header(echo, "X-API-Key")).containsExactly("key-secret");
        assertThat(header(echo, "Content-Type").getFirst()).startsWith("application/json");
    }

    @Test
    void sendsNoCredentialsToAnotherAllowedHost() {
        try (FaultServer other = FaultServer.start();
                ApiClient client = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("creds")
                        .bearerToken(Secret.of("tok-secret")).allowedHosts(java.util.Set.of(
                                "127.0.0.1:" + other.port())).build())) {
            other.route("GET", "/echo", Behavior.echo());
            String url = other.baseUri().resolve("/echo").toString().replace("localhost", "127.0.0.1");

            Map<String, Object> echo = echoed(client.get(url).send());

            assertThat(header(echo, "Authorization")).isEmpty();
        }
    }

    @Test
    void sendsNoCredentialDefaultHeadersToAnotherAllowedHost() {
        // A token set as a default header (GitHub's "Authorization: token ...") went to every allowed host.
        try (FaultServer other = FaultServer.start();
                ApiClient client = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("creds")
                        .defaultHeader("Authorization", "token dflt-secret").defaultHeader("Cookie", "sid=dflt")
                        .defaultHeader("X-API-Key", "dflt-key").defaultHeader("X-Tenant", "t1")
                        .allowedHosts(java.util.Set.of("127.0.0.1:" + other.port())).build())) {
            server.route("GET", "/echo", Behavior.echo());
            other.route("GET", "/echo", Behavior.echo());
            String url = other.baseUri().resolve("/echo").toString().replace("localhost", "127.0.0.1");

            Map<String, Object> elsewhere = echoed(client.get(url).send());
            Map<String, Object> base = echoed(client.get("/echo").header("Cookie", "sid=mine").send());

            assertThat(header(elsewhere, "Authorization")).isEmpty();
            assertThat(header(elsewhere, "Cookie")).isEmpty();
            assertThat(header(elsewhere, "X-API-Key")).isEmpty();
            assertThat(header(elsewhere, "X-Tenant")).containsExactly("t1");
            assertThat(header(base, "Authorization")).containsExactly("token dflt-secret");
            assertThat(header(base, "X-API-Key")).containsExactly("dflt-key");
            assertThat(header(base, "Cookie")).as("the caller's header wins").containsExactly("sid=mine");
            assertThat(header(base, "X-Tenant")).containsExactly("t1");
        }
    }

    @Test
    void refusesAnotherHostWithoutSendingAnything() {
        assertThatThrownBy(() -> api.get("http://127.0.0.2:" + server.port() + "/x").send())
                .isInstanceOf(DisallowedHostException.class);

        assertThat(server.requests()).isZero();
    }

    @Test
    void refusesHeaderInjection() {
        assertThatThrownBy(() -> api.get("/x").header("X-Note", "a\r\nX-Admin: yes").send())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("control characters");
        assertThatThrownBy(() -> api.get("/x\r\n").send()).isInstanceOf(InvalidInputException.class);
        // beyond ISO-8859-1 HC5 sends '?': "\u0141ukasz" arrived as "?ukasz"
        assertThatThrownBy(() -> api.get("/x").header("X-Name", "\u0141ukasz").send())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("ISO-8859-1");

        assertThat(server.requests()).isZero();
    }

    @Test
    void reportsABodyThatIsNotJson() {
        server.route("GET", "/html", Behavior.body(200, "text/html", "<html>oops</html>"));

        assertThatThrownBy(() -> api.get("/html").send(Widget.class)).isInstanceOf(ResponseFormatException.class)
                .hasMessageContaining("not JSON").satisfies(e -> assertThat(((ApiException) e).httpStatus())
                        .isEqualTo(502));
    }

    @Test
    void aBodyThatDoesNotMapSaysWhereButQuotesNothingOfIt() {
        // Jackson's own messages quote the offending value, and those used to be the exception's message.
        server.route("GET", "/widgets/1", Behavior.json(200, "{\"id\":\"sk_live_SECRET1\",\"name\":\"a\"}"));
        server.route("GET", "/widgets/2", Behavior.json(200, "{\"id\":2,\"name\":sk_live_SECRET2}"));
        server.route("GET", "/widgets", Behavior.json(200, "[{\"id\":1,\"name\":\"a\"},{\"id\":\"sk_live_SECRET3\"}]"));

        assertThatThrownBy(() -> api.get("/widgets/1").send(Widget.class))
                .isInstanceOf(ResponseFormatException.class)
                .hasMessageContaining("not JSON of type Widget").hasMessageContaining("at $.id")
                .hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> api.get("/widgets/2").send(Widget.class))
                .isInstanceOf(ResponseFormatException.class).hasMessageContaining("line 1")
                .hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> api.get("/widgets").send(new dev.weft.cache.TypeRef<List<Widget>>() { }))
                .isInstanceOf(ResponseFormatException.class).hasMessageContaining("at $[1].id")
                .hasMessageNotContaining("SECRET");
    }

    @Test
    void keepsAtMostOneKibibyteOfAnErrorBody() {
        server.route("GET", "/broken", Behavior.text(404, "x".repeat(100_000)));

        assertThatThrownBy(() -> api.get("/broken").send()).isInstanceOfSatisfying(UpstreamException.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.bodyExcerpt()).hasSize(UpstreamException.MAX_EXCERPT_BYTES);
            assertThat(e.httpStatus()).isEqualTo(502);
            assertThat(e.retryable()).isFalse();
        });
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void refusesAResponseOverTheBodyLimit() {
        try (ApiClient small = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("small")
                .maxResponseBytes(4096).build())) {
            server.route("GET", "/big", Behavior.bigBody(1 << 20));

            assertThatThrownBy(() -> small.get("/big").send()).isInstanceOf(ResponseFormatException.class)
                    .hasMessageContaining("over the limit");
        }
    }

    @Test
    void decodesGzipAndChunkedBodies() {
        server.route("GET", "/gz", Behavior.gzip("{\"id\":1,\"name\":\"zipped\"}"));
        server.route("GET", "/chunks", Behavior.chunked("application/json", List.of("{\"id\":2,", "\"name\":\"c\"}"),
                Duration.ofMillis(5)));

        assertThat(api.get("/gz").send(Widget.class).name()).isEqualTo("zipped");
        assertThat(api.get("/chunks").send(Widget.class).name()).isEqualTo("c");
    }

    @Test
    void timesOutASlowAnswerWithAPerRequestDeadline() {
        server.route("GET", "/slow", Behavior.delay(Duration.ofSeconds(5), Behavior.json(200, "{}")));

        long start = System.nanoTime();
        assertThatThrownBy(() -> api.get("/slow").timeout(Duration.ofMillis(300)).send())
                .isInstanceOf(ApiTimeoutException.class)
                .satisfies(e -> assertThat(((ApiException) e).httpStatus()).isEqualTo(504));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void cutsATrickledBodyAtTheDeadline() {
        server.route("GET", "/trickle", Behavior.trickle(new byte[10_000], 10, Duration.ofMillis(50)));

        assertThatThrownBy(() -> api.get("/trickle").timeout(Duration.ofMillis(400)).send())
                .isInstanceOf(ApiTimeoutException.class);
    }

    @Test
    void runsCallsAsynchronously() throws Exception {
        server.route("GET", "/widgets/1", Behavior.json(200, "{\"id\":1,\"name\":\"a\"}"));

        Widget widget = api.async().send(api.get("/widgets/1"), Widget.class).get(10, TimeUnit.SECONDS);

        assertThat(widget.name()).isEqualTo("a");
    }

    @Test
    void recordsMetricsPerCallAndPerAttempt() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ApiClient measured = ApiClient.builder(ApiConfig.builder(server.baseUri().toString()).name("measured")
                .build()).meterRegistry(registry).build()) {
            server.route("GET", "/ok/*", Behavior.json(200, "{}"));
            server.route("GET", "/missing", Behavior.status(404));
            measured.get("/ok/{id}").pathParam("id", 1).send();
            measured.get("/ok/{id}").pathParam("id", 2).send();
            assertThatThrownBy(() -> measured.get("/missing").send()).isInstanceOf(UpstreamException.class);

            ApiMetrics metrics = measured.metrics();

            assertThat(metrics.totalCalls()).isEqualTo(3);
            assertThat(metrics.failedCalls()).isEqualTo(1);
            assertThat(metrics.byStatus()).containsEntry(200, 2L).containsEntry(404, 1L);
            assertThat(metrics.p99Ms()).isGreaterThan(0);
            assertThat(metrics.recent()).hasSize(3);
            assertThat(registry.get("http.client.requests").tag("uri", "/ok/{id}").tag("status", "200")
                    .timer().count()).isEqualTo(2);
            assertThat(registry.get("http.client.requests").tag("outcome", "CLIENT_ERROR").timer().count())
                    .isEqualTo(1);
        }
    }

    @Test
    void reportsPoolUsePerHost() {
        server.route("GET", "/ok", Behavior.json(200, "{}"));
        api.get("/ok").send();

        Map<String, HostPoolStatus> pools = api.poolStatus();

        String host = api.config().baseAuthority();
        assertThat(pools).containsKey(host);
        assertThat(pools.get(host).max()).isEqualTo(10);
        assertThat(pools.get(host).leased()).isZero();
        assertThat(pools.get(host).available()).isEqualTo(1);
    }

    @Test
    void failsCallsAfterClose() {
        api.close();

        assertThatThrownBy(() -> api.get("/x").send()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void neverPutsTokensInExceptionMessages() {
        server.route("GET", "/down", Behavior.status(500));

        assertThatThrownBy(() -> api.get("/down").send()).satisfies(e ->
                assertThat(e.getMessage().toLowerCase(Locale.ROOT)).doesNotContain("tok-secret", "key-secret"));
    }

    @Test
    void refusesToUploadAMissingFileAsInvalidInput(@TempDir Path directory) {
        server.route("POST", "/upload", Behavior.echo());

        assertThatThrownBy(() -> api.upload("/upload", "video", directory.resolve("missing.mp4"), "video/mp4",
                Map.of()))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        invalid -> assertThat(invalid.getMessage()).contains("missing.mp4").contains("does not exist"));
        assertThat(server.requests()).isZero();
    }

    @Test
    void aFileGoneBeforeTheFormIsSentIsInvalidInputNotAHostFailure(@TempDir Path directory) throws Exception {
        // Before, each send failed mid-request as a retryable "I/O failed: FileNotFoundException" recorded by the
        // host's breaker, until the breaker of a healthy host opened.
        server.route("POST", "/upload", Behavior.sink());
        Path file = directory.resolve("clip.mp4");
        java.nio.file.Files.write(file, new byte[1000]);
        Multipart form = Multipart.builder().file("video", file, "video/mp4").build();
        java.nio.file.Files.delete(file);

        for (int i = 0; i < 25; i++) {
            assertThatThrownBy(() -> api.post("/upload").multipart(form).idempotent().send())
                    .isInstanceOfSatisfying(InvalidInputException.class,
                            invalid -> assertThat(invalid.getMessage()).contains("clip.mp4")
                                    .doesNotContain(directory.toString()));
        }
        assertThat(server.requests()).isZero();
        assertThat(api.breakers().values()).allSatisfy(breaker -> assertThat(breaker.bufferedCalls()).isZero());
    }
}
