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
import java.time.Duration;
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
 * happens before the call does anything, so a faulted call changed nothing. A hostile answer ({@code hostileRate})
 * is a {@code 200} whose body breaks the contract: an HTML error page naming an internal {@code host:port},
 * truncated JSON, a JSON array, or a field of the wrong type; it also changes nothing.
 *
 * <p>Outages: {@code POST /admin/outage?seconds=N} (or {@link #outage(Duration)}, or the configured
 * {@code outageAfter}/{@code outageFor}) stops listening for N seconds (connections refused, as for a provider
 * that is down), then listens again on the same port with its jobs and idempotency records kept.
 *
 * <p>Both POSTs are idempotent per {@code Idempotency-Key}: the same key returns the first answer. The server counts,
 * per key, the process calls it handled and the jobs it created, at {@code GET /stats}, so a test can prove that a
 * client started each job at most once, and {@code early_retries}: calls repeated (same method, path and key)
 * before the {@code Retry-After} of their 429 had passed. {@code GET /health} answers without faults.
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
    /** Per call (method, path, idempotency key): when its last 429's {@code Retry-After} ends. */
    private final Map<String, Long> retryNotBefore = new ConcurrentHashMap<>();
    private final AtomicLong earlyRetries = new AtomicLong();
    /** Clock granularity: a retry this close to the end of the wait is not counted early. */
    private static final long RETRY_AFTER_TOLERANCE_MS = 10;
    private final AtomicLong uploadedBytes = new AtomicLong();
    private final ReentrantLock serverLock = new ReentrantLock();
    private final AtomicLong outages = new AtomicLong();
    private volatile WebServer server;
    private volatile boolean closed;
    private final int boundPort;

    private record Job(String id, long startedAt, long durationMs, String model, boolean fail) {
    }

    private ProviderServer(ProviderServerConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = new Random(config.seed());
        this.server = newServer(config.port());
        this.server.start();
        this.boundPort = server.port();
    }

    private WebServer newServer(int port) {
        return WebServer.builder()
                .host(config.bind())
                .port(port)
                .shutdownHook(false)
                .routing(routing -> routing
                        .post("/upload", faulty(this::upload))
                        .post("/process", faulty(this::process))
                        .get("/process/{job_id}", faulty(this::status))
                        .get("/stats", (req, res) -> json(res, 200, stats()))
                        .get("/health", (req, res) -> json(res, 200, Map.of("status", "up")))
                        .post("/admin/outage", this::outageRequest))
                .build();
    }

    /**
     * Stops listening now and listens again on the same port after {@code length}; connections meanwhile are
     * refused. An outage asked for during another extends nothing: the server comes back after the first.
     *
     * @param length how long the provider is down, 0..1 hour
     */
    public void outage(Duration length) {
        if (length.isNegative() || length.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("outage must be 0..1 hour: " + length);
        }
        serverLock.lock();
        try {
            if (closed || !server.isRunning()) {
                return;
            }
            outages.incrementAndGet();
            LOG.atWarn().setMessage("provider outage starts").addKeyValue("seconds", length.toSeconds()).log();
            server.stop();
        } finally {
            serverLock.unlock();
        }
        Thread.ofVirtual().name("weft-provider-outage").start(() -> {
            try {
                Thread.sleep(length);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serverLock.lock();
            try {
                if (!closed) {
                    WebServer restarted = newServer(boundPort);
                    restarted.start();
                    server = restarted;
                    LOG.atWarn().setMessage("provider outage over").addKeyValue("server.port", boundPort).log();
                }
            } finally {
                serverLock.unlock();
            }
        });
    }

    private void outageRequest(ServerRequest req, ServerResponse res) {
        String seconds = req.query().first("seconds").orElse("");
        long value;
        try {
            value = Long.parseLong(seconds);
        } catch (NumberFormatException e) {
            json(res, 400, Map.of("error", "seconds must be an integer"));
            return;
        }
        if (value < 0 || value > 3600) {
            json(res, 400, Map.of("error", "seconds must be 0..3600"));
            return;
        }
        json(res, 202, Map.of("outage_seconds", value));
        // after the answer went out: stopping the server inside its own handler would cut this answer off
        Thread.ofVirtual().start(() -> outage(Duration.ofSeconds(value)));
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
        if (config.outageFor().isPositive()) {
            Thread.ofVirtual().name("weft-provider-outage-schedule").start(() -> {
                try {
                    Thread.sleep(config.outageAfter());
                    provider.outage(config.outageFor());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        LOG.atInfo().setMessage("provider listening").addKeyValue("server.address", config.bind())
                .addKeyValue("server.port", provider.port()).addKeyValue("fail_rate", config.failRate())
                .addKeyValue("reset_rate", config.resetRate()).addKeyValue("latency_ms", config.latency().toMillis())
                .addKeyValue("rate_limit", config.rateLimit()).addKeyValue("hostile_rate", config.hostileRate())
                .addKeyValue("outage_after_ms", config.outageAfter().toMillis())
                .addKeyValue("outage_for_ms", config.outageFor().toMillis())
                .addKeyValue("seed", config.seed()).log();
        return provider;
    }

    /** @return the port listened on */
    public int port() {
        return boundPort;
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
        out.put("outages", outages.get());
        out.put("early_retries", earlyRetries.get());
        return out;
    }

    @Override
    public void close() {
        serverLock.lock();
        try {
            closed = true;
            if (server.isRunning()) {
                server.stop();
            }
        } finally {
            serverLock.unlock();
        }
    }

    private Handler faulty(Handler handler) {
        return (req, res) -> {
            requests.incrementAndGet();
            if (config.latency().isPositive()) {
                Thread.sleep(config.latency());
            }
            String caller = req.prologue().method().text() + " " + req.path().path() + " "
                    + req.headers().first(HeaderNames.create("Idempotency-Key")).orElse("");
            Long notBefore = retryNotBefore.get(caller);
            if (notBefore != null && clock.millis() < notBefore - RETRY_AFTER_TOLERANCE_MS) {
                earlyRetries.incrementAndGet();
            }
            if (!permitted()) {
                count(faults, "rate_limited");
                drain(req);
                retryNotBefore.put(caller, clock.millis() + 1000);
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
            if (draw < config.failRate() + config.resetRate() + config.hostileRate()) {
                count(faults, "hostile");
                drain(req);
                hostile(res, (int) (draw * 1_000_000) % HOSTILE_BODIES.size());
                return;
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

    /** Bodies a broken proxy or a buggy provider might send with a 200. */
    private static final java.util.List<Map.Entry<String, String>> HOSTILE_BODIES = java.util.List.of(
            Map.entry("text/html", "<html><body><h1>502 Bad Gateway</h1><p>upstream 10.0.3.7:8443 failed"
                    + " (java.net.ConnectException)</p></body></html>"),
            Map.entry("application/json", "{\"url\": \"http://10.0.3.7:8443/fil"),
            Map.entry("application/json", "[1, 2, 3]"),
            Map.entry("application/json", "{\"url\": 42, \"job_id\": {\"nested\": true}, \"status\": 7}"));

    private static void hostile(ServerResponse res, int which) {
        Map.Entry<String, String> body = HOSTILE_BODIES.get(which);
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, body.getKey());
        res.send(body.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
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
