package dev.weft.service.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone provider with the DESIGN §5 contract and injected faults, for fault tests and demos
 * ({@code weft provider --port P --fail-rate 0.3 --latency 50ms --reset-rate 0.1 --rate-limit 100}).
 *
 * <p>Contract calls ({@code POST /upload}, {@code POST /process}, {@code GET /process/{job_id}}) first wait the
 * configured latency, then may be refused by the rate limit ({@code 429} + {@code Retry-After}), then draw from a
 * seeded random source: {@code 503}, or the connection closed without an answer, in the configured shares. A fault
 * happens before the call does anything, so a faulted call changed nothing.
 *
 * <p>Both POSTs are idempotent per {@code Idempotency-Key}: the same key returns the first answer. The server counts,
 * per key, the process calls it handled and the jobs it created, at {@code GET /stats}, so a test can prove that a
 * client started each job at most once. {@code GET /health} answers without faults.
 *
 * <p>Thread-safe. {@link #close()} stops it.
 */
public final class ProviderServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderServer.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ProviderServerConfig config;
    private final Clock clock;
    private final Random random;
    private final ReentrantLock randomLock = new ReentrantLock();
    private final ReentrantLock rateLock = new ReentrantLock();
    private long windowSecond = -1;
    private int windowCalls;
    private final Map<String, String> uploadsByKey = new ConcurrentHashMap<>();
    private final Map<String, String> jobsByKey = new ConcurrentHashMap<>();
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> processCalls = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> jobsCreated = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> faults = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong uploadedBytes = new AtomicLong();
    private final WebServer server;

    private record Job(String id, long startedAt, long durationMs, String model, boolean fail) {
    }

    private ProviderServer(ProviderServerConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = new Random(config.seed());
        this.server = WebServer.builder()
                .host(config.bind())
                .port(config.port())
                .shutdownHook(false)
                .routing(routing -> routing
                        .post("/upload", faulty(this::upload))
                        .post("/process", faulty(this::process))
                        .get("/process/{job_id}", faulty(this::status))
                        .get("/stats", (req, res) -> json(res, 200, stats()))
                        .get("/health", (req, res) -> json(res, 200, Map.of("status", "up"))))
                .build();
    }

    /**
     * Starts a server.
     *
     * @param config the settings
     * @return the running server
     */
    public static ProviderServer start(ProviderServerConfig config) {
        return start(config, Clock.systemUTC());
    }

    /**
     * @param config the settings
     * @param clock the clock jobs are timed with
     * @return the running server
     */
    public static ProviderServer start(ProviderServerConfig config, Clock clock) {
        ProviderServer provider = new ProviderServer(config, clock);
        provider.server.start();
        LOG.atInfo().setMessage("provider listening").addKeyValue("server.address", config.bind())
                .addKeyValue("server.port", provider.port()).addKeyValue("fail_rate", config.failRate())
                .addKeyValue("reset_rate", config.resetRate()).addKeyValue("latency_ms", config.latency().toMillis())
                .addKeyValue("rate_limit", config.rateLimit()).addKeyValue("seed", config.seed()).log();
        return provider;
    }

    /** @return the port listened on */
    public int port() {
        return server.port();
    }

    /** @return {@code http://bind:port} */
    public String url() {
        return "http://" + config.bind() + ":" + port();
    }

    /**
     * @param idempotencyKey a process call's key
     * @return the process calls handled with it (faulted calls are not counted)
     */
    public long processCalls(String idempotencyKey) {
        AtomicLong calls = processCalls.get(idempotencyKey);
        return calls == null ? 0 : calls.get();
    }

    /** @return the statistics {@code GET /stats} answers */
    public Map<String, Object> stats() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requests", requests.get());
        out.put("uploaded_bytes", uploadedBytes.get());
        out.put("faults", counts(faults));
        out.put("uploads", uploadsByKey.size());
        out.put("jobs", jobs.size());
        out.put("process_calls", counts(processCalls));
        out.put("jobs_created", counts(jobsCreated));
        return out;
    }

    @Override
    public void close() {
        if (server.isRunning()) {
            server.stop();
        }
    }

    private Handler faulty(Handler handler) {
        return (req, res) -> {
            requests.incrementAndGet();
            if (config.latency().isPositive()) {
                Thread.sleep(config.latency());
            }
            if (!permitted()) {
                count(faults, "rate_limited");
                drain(req);
                res.header(HeaderNames.RETRY_AFTER, "1");
                json(res, 429, Map.of("error", "rate limited"));
                return;
            }
            double draw;
            randomLock.lock();
            try {
                draw = random.nextDouble();
            } finally {
                randomLock.unlock();
            }
            if (draw < config.failRate()) {
                count(faults, "unavailable");
                drain(req);
                json(res, 503, Map.of("error", "injected failure"));
                return;
            }
            if (draw < config.failRate() + config.resetRate()) {
                count(faults, "reset");
                throw new CloseConnectionException("injected connection reset");
            }
            handler.handle(req, res);
        };
    }

    private boolean permitted() {
        if (config.rateLimit() == 0) {
            return true;
        }
        rateLock.lock();
        try {
            long second = clock.millis() / 1000;
            if (second != windowSecond) {
                windowSecond = second;
                windowCalls = 0;
            }
            return ++windowCalls <= config.rateLimit();
        } finally {
            rateLock.unlock();
        }
    }

    private void upload(ServerRequest req, ServerResponse res) {
        String key = req.headers().first(HeaderNames.create("Idempotency-Key")).orElse(UUID.randomUUID().toString());
        long bytes = drain(req);
        uploadedBytes.addAndGet(bytes);
        if (bytes == 0) {
            json(res, 400, Map.of("error", "empty upload"));
            return;
        }
        String url = uploadsByKey.computeIfAbsent(key, k -> url() + "/files/" + UUID.randomUUID());
        json(res, 200, Map.of("url", url));
    }

    private void process(ServerRequest req, ServerResponse res) throws IOException {
        String key = req.headers().first(HeaderNames.create("Idempotency-Key")).orElse(UUID.randomUUID().toString());
        JsonNode body;
        try (InputStream in = req.content().inputStream()) {
            body = MAPPER.readTree(in.readNBytes(1 << 20));
        } catch (IOException e) {
            json(res, 400, Map.of("error", "the body must be JSON"));
            return;
        }
        if (body == null || !body.path("url").isTextual()) {
            json(res, 400, Map.of("error", "url is required"));
            return;
        }
        count(processCalls, key);
        JsonNode options = body.path("options");
        String jobId = jobsByKey.computeIfAbsent(key, k -> {
            count(jobsCreated, k);
            String id = "pj-" + UUID.randomUUID();
            String model = options.path("model").isTextual() ? options.path("model").asText() : "video-gen-v1";
            jobs.put(id, new Job(id, clock.millis(), config.jobTime().toMillis(),
                    model.matches("[A-Za-z0-9._-]{1,64}") ? model : "video-gen-v1",
                    "fail".equals(options.path("simulate").asText(""))));
            return id;
        });
        json(res, 200, Map.of("job_id", jobId));
    }

    private void status(ServerRequest req, ServerResponse res) {
        Job job = jobs.get(req.path().pathParameters().get("job_id"));
        if (job == null) {
            json(res, 404, Map.of("error", "unknown job"));
            return;
        }
        long elapsed = clock.millis() - job.startedAt();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("job_id", job.id());
        if (elapsed < job.durationMs()) {
            body.put("status", "processing");
        } else if (job.fail()) {
            body.put("status", "failed");
            body.put("error", "simulated failure requested by the options");
        } else {
            int seed = job.id().hashCode();
            body.put("status", "completed");
            body.put("result_url", url() + "/results/" + job.id() + ".mp4");
            body.put("model_type", job.model());
            body.put("processing_ms", Math.max(1, job.durationMs()));
            body.put("memory_mb", 1024 + Math.floorMod(seed, 3072));
            body.put("gpu_percent", 35 + Math.floorMod(seed >>> 8, 60));
        }
        json(res, 200, body);
    }

    private static long drain(ServerRequest req) {
        if (!req.content().hasEntity()) {
            return 0;
        }
        try (InputStream in = req.content().inputStream()) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void json(ServerResponse res, int status, Object body) {
        try {
            res.status(Status.create(status));
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            res.send(MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void count(Map<String, AtomicLong> counts, String key) {
        counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    private static Map<String, Long> counts(Map<String, AtomicLong> counts) {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((key, value) -> out.put(key, value.get()));
        return out;
    }
}
