package dev.weft.service.provider;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft provider}: runs the standalone {@link ProviderServer} until the process is stopped.
 *
 * <p>Not thread-safe; run once per process.
 */
@Command(name = "provider", mixinStandardHelpOptions = true,
        description = {"Runs a standalone video provider with the DESIGN 5 contract (POST /upload, POST /process,"
                + " GET /process/{job_id}) and injected faults, for fault tests and demos.",
            "GET /stats shows the process calls and jobs created per Idempotency-Key; GET /health has no faults."})
public final class ProviderCommand implements Callable<Integer> {
    @Option(names = "--port", description = "Port (default 9090; 0 picks a free one).")
    int port = 9090;

    @Option(names = "--bind", description = "Address to listen on (default 127.0.0.1).")
    String bind = "127.0.0.1";

    @Option(names = "--fail-rate", description = "Share of calls answered 503, 0..1 (default 0).")
    double failRate;

    @Option(names = "--reset-rate", description = "Share of calls whose connection is closed unanswered, 0..1"
            + " (default 0).")
    double resetRate;

    @Option(names = "--latency", description = "Delay added to every call, e.g. 50ms, 1s (default 0).",
            converter = DurationConverter.class)
    Duration latency = Duration.ZERO;

    @Option(names = "--rate-limit", description = "Calls per second before 429 with Retry-After (default 0: none).")
    int rateLimit;

    @Option(names = "--job-time", description = "How long a job runs, e.g. 2s (default 2s).",
            converter = DurationConverter.class)
    Duration jobTime = ProviderServerConfig.DEFAULT_JOB_TIME;

    @Option(names = "--seed", description = "Seed of the fault draws (default 42).")
    long seed = ProviderServerConfig.DEFAULT_SEED;

    @Option(names = "--hostile-rate", description = "Share of calls answered 200 with a body that breaks the contract"
            + " (HTML naming an internal host, truncated JSON, wrong types), 0..1 (default 0).")
    double hostileRate;

    @Option(names = "--outage-after", description = "When the scheduled outage starts, e.g. 10s (default 0).",
            converter = DurationConverter.class)
    Duration outageAfter = Duration.ZERO;

    @Option(names = "--outage-for", description = "How long the provider stops listening (connections refused),"
            + " e.g. 20s (default 0: no outage). POST /admin/outage?seconds=N starts one at any time.",
            converter = DurationConverter.class)
    Duration outageFor = Duration.ZERO;

    /** Creates the command; picocli sets the options. */
    public ProviderCommand() {
    }

    @Override
    public Integer call() throws InterruptedException {
        ProviderServerConfig config = new ProviderServerConfig(bind, port, failRate, resetRate, latency, rateLimit,
                jobTime, seed, hostileRate, outageAfter, outageFor);
        // Helidon logs its start through java.util.logging: plain two-line records among the JSON ones otherwise
        dev.weft.service.WeftService.routeJulToSlf4j();
        ProviderServer server = ProviderServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "weft-provider-shutdown"));
        System.out.println("weft provider: listening on " + server.url());
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Parses {@code 50ms}, {@code 2s}, {@code 1m}, or a bare number of milliseconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String text = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (text.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).trim()));
                }
                if (text.endsWith("s")) {
                    return Duration.ofMillis(Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
                }
                if (text.endsWith("m")) {
                    return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1).trim()) * 60);
                }
                return Duration.ofMillis(Long.parseLong(text));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("not a duration: '" + value
                        + "' (use e.g. 50ms, 2s, 1m)");
            }
        }
    }
}
