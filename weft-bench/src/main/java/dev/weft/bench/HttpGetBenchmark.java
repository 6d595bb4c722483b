package dev.weft.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.http.ApiClient;
import dev.weft.http.ApiConfig;
import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A small JSON GET through weft-http against the same request through Apache HttpClient 5 used directly, both
 * against the same local server and mapping the body to the same record with Jackson. weft's path adds the path
 * template, breaker, bulkhead, retry bookkeeping and metrics; its rate limit is off because the raw client has
 * none. Same pool size for both.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(8)
@Fork(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class HttpGetBenchmark {
    static final int POOL = 16;
    static final String BODY = "{\"id\":1,\"email\":\"user1@example.com\",\"credits\":100}";

    /** The body both clients map. */
    public record Item(long id, String email, long credits) {
    }

    /** One server and both clients. */
    @State(Scope.Benchmark)
    public static class Clients {
        FaultServer server;
        ApiClient weft;
        CloseableHttpClient raw;
        ObjectMapper mapper = new ObjectMapper();
        String url;

        @Setup(Level.Trial)
        public void start() {
            server = FaultServer.start();
            server.route("GET", "/items/*", Behavior.json(200, BODY));
            url = server.baseUri().resolve("/items/1").toString();
            weft = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("bench")
                    .maxConnectionsPerHost(POOL).rateLimitEnabled(false).build());
            raw = HttpClients.custom().setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                            .setMaxConnPerRoute(POOL).setMaxConnTotal(100)
                            .setDefaultConnectionConfig(ConnectionConfig.custom()
                                    .setConnectTimeout(Timeout.ofSeconds(10)).build()).build())
                    .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(30)).build())
                    .disableAutomaticRetries().build();
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            weft.close();
            raw.close();
            server.close();
        }
    }

    /** @return the item through weft-http */
    @Benchmark
    public Item weft(Clients clients) {
        return clients.weft.get("/items/{id}").pathParam("id", 1).send(Item.class);
    }

    /** @return the item through HttpClient 5 */
    @Benchmark
    public Item raw(Clients clients) throws IOException {
        return clients.raw.execute(new HttpGet(clients.url), response -> {
            if (response.getCode() != 200) {
                throw new IOException("status " + response.getCode());
            }
            return clients.mapper.readValue(EntityUtils.toByteArray(response.getEntity()), Item.class);
        });
    }
}
