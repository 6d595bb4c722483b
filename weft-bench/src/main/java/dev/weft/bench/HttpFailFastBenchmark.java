package dev.weft.bench;

import dev.weft.http.ApiClient;
import dev.weft.http.ApiConfig;
import dev.weft.http.BreakerState;
import dev.weft.http.CircuitOpenException;
import dev.weft.http.UpstreamException;
import dev.weft.http.testing.Behavior;
import dev.weft.http.testing.FaultServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
 * A call while the host's circuit breaker is open: it must fail at once, without touching the network. Sample
 * time mode, so JMH reports the percentiles (target: p99 under 100 µs).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(2)
@Fork(1)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class HttpFailFastBenchmark {

    /** A client whose breaker was opened by five 500s and stays open for the whole run. */
    @State(Scope.Benchmark)
    public static class OpenBreaker {
        FaultServer server;
        ApiClient api;

        @Setup(Level.Trial)
        public void open() {
            server = FaultServer.start();
            server.route("GET", "/down", Behavior.status(500));
            api = ApiClient.create(ApiConfig.builder(server.baseUri().toString()).name("failfast").maxRetries(0)
                    .breakerThreshold(5).breakerOpenTime(Duration.ofHours(1)).rateLimitEnabled(false).build());
            for (int i = 0; i < 5; i++) {
                try {
                    api.get("/down").send();
                } catch (UpstreamException expected) {
                    // five failures open the breaker
                }
            }
            if (api.circuitBreaker(api.config().baseAuthority()).state() != BreakerState.OPEN) {
                throw new IllegalStateException("breaker did not open");
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            api.close();
            server.close();
        }
    }

    /** @return the failure, created and caught */
    @Benchmark
    public Object openBreakerCall(OpenBreaker state) {
        try {
            return state.api.get("/down").send();
        } catch (CircuitOpenException expected) {
            return expected;
        }
    }
}
