package dev.weft.bench;

import dev.weft.http.ApiClient;
import dev.weft.http.ApiConfig;
import dev.weft.http.ApiRequest;
import dev.weft.http.ApiResponse;
import dev.weft.http.BatchResult;
import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * A batch of 1,000 calls with at most 50 in flight, against a server that answers each in 20 ms: the ideal is
 * 1,000 / 50 × 20 ms = 0.4 s (target: at most 1.2× that). One shot per iteration.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
public class HttpBatchBenchmark {
    static final int CALLS = 1_000;
    static final int CONCURRENCY = 50;

    /** The slow server and a client sized for 50 calls in flight. */
    @State(Scope.Benchmark)
    public static class Slow {
        FaultServer server;
        ApiClient api;

        @Setup(Level.Trial)
        public void start() {
            server = FaultServer.start();
            server.route("GET", "/slow/*", Behavior.delay(Duration.ofMillis(20), Behavior.json(200, "{}")));
            api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("batch")
                    .maxConnectionsPerHost(CONCURRENCY).maxConcurrentPerHost(CONCURRENCY).rateLimitEnabled(false)
                    .build());
        }

        @TearDown(Level.Trial)
        public void stop() {
            api.close();
            server.close();
        }
    }

    /** @return the results, all of which must have succeeded */
    @Benchmark
    public List<BatchResult<ApiResponse>> batchOfAThousand(Slow state) {
        List<ApiRequest> requests = IntStream.range(0, CALLS).mapToObj(i -> state.api.get("/slow/" + i)).toList();
        List<BatchResult<ApiResponse>> results = state.api.batch(requests, CONCURRENCY);
        if (!results.stream().allMatch(BatchResult::succeeded)) {
            throw new IllegalStateException("a batch call failed");
        }
        return results;
    }
}
