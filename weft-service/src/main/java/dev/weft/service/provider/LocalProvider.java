package dev.weft.service.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The in-process provider, the embedded default: an upload is only checked (the file stays where the service
 * stored it), and a job finishes {@link #processingTime()} after it started with plausible usage figures derived
 * from the job id (so the same job always reports the same figures).
 *
 * <p>The job id encodes its start time and duration ({@code lp-<start ms>-<duration ms>-<hash>}), so a status
 * read by another instance, or after a restart, still answers. Starting is idempotent per key within the process
 * (a key seen again returns the first job id). The options {@code {"simulate": "fail"}} make the job fail, for tests
 * and demos; {@code {"model": "name"}} names the model reported in the usage.
 *
 * <p>Thread-safe.
 */
public final class LocalProvider implements VideoProvider {
    /** Default {@link #processingTime()}. */
    public static final Duration DEFAULT_PROCESSING_TIME = Duration.ofSeconds(3);
    /** The model reported when the options name none. */
    public static final String DEFAULT_MODEL = "video-gen-v1";

    private static final Pattern JOB_ID = Pattern.compile("lp-([0-9]{1,15})-([0-9]{1,12})-([0-9a-f]{16})");
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Duration processingTime;
    private final Clock clock;
    private final Cache<String, String> jobsByKey = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofHours(24)).build();
    private final Map<String, String> modelByJob = new ConcurrentHashMap<>();
    private final Map<String, String> failureByJob = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> processCalls = new ConcurrentHashMap<>();

    private LocalProvider(Duration processingTime, Clock clock) {
        this.processingTime = Objects.requireNonNull(processingTime, "processingTime");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (processingTime.isNegative() || processingTime.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("processing time must be 0..1h: " + processingTime);
        }
    }

    /** @return a provider finishing jobs in {@link #DEFAULT_PROCESSING_TIME} */
    public static LocalProvider create() {
        return create(DEFAULT_PROCESSING_TIME, Clock.systemUTC());
    }

    /**
     * @param processingTime how long a job runs, 0..1 hour
     * @param clock the clock jobs are timed with
     * @return the provider
     */
    public static LocalProvider create(Duration processingTime, Clock clock) {
        return new LocalProvider(processingTime, clock);
    }

    /** @return how long a job runs */
    public Duration processingTime() {
        return processingTime;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public String upload(Path file, String idempotencyKey) {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw ProviderException.unknown(name(), "upload file");
        }
        return "local://uploads/" + hash(idempotencyKey) + "/" + file.getFileName();
    }

    @Override
    public String startProcessing(String url, String optionsJson, String idempotencyKey) {
        Objects.requireNonNull(url, "url");
        processCalls.computeIfAbsent(idempotencyKey, key -> new AtomicLong()).incrementAndGet();
        return jobsByKey.get(idempotencyKey, key -> {
            String jobId = "lp-" + clock.millis() + "-" + processingTime.toMillis() + "-" + hash(key);
            readOptions(jobId, optionsJson);
            return jobId;
        });
    }

    @Override
    public ProviderStatus status(String jobId) {
        Matcher matcher = JOB_ID.matcher(jobId);
        if (!matcher.matches()) {
            throw ProviderException.unknown(name(), "job");
        }
        long start = Long.parseLong(matcher.group(1));
        long duration = Long.parseLong(matcher.group(2));
        long elapsed = clock.millis() - start;
        if (elapsed < duration) {
            return ProviderStatus.running(elapsed < duration / 10 ? ProviderStatus.State.PENDING
                    : ProviderStatus.State.PROCESSING);
        }
        String failure = failureByJob.get(jobId);
        if (failure != null) {
            return ProviderStatus.failed(failure);
        }
        long seed = Long.parseUnsignedLong(matcher.group(3), 16);
        ModelUsage usage = new ModelUsage(modelByJob.getOrDefault(jobId, DEFAULT_MODEL),
                Math.max(duration, 1), 1024 + Math.floorMod(seed, 3072),
                Math.round((35 + Math.floorMod(seed >>> 12, 6000) / 100.0) * 10) / 10.0);
        return ProviderStatus.completed("local://results/" + jobId + ".mp4", usage);
    }

    @Override
    public ProviderHealth health() {
        return new ProviderHealth(true, Map.of("type", "local", "processing_ms", processingTime.toMillis()));
    }

    /**
     * @param idempotencyKey a key
     * @return how many times {@link #startProcessing} was called with it (for tests)
     */
    public long processCalls(String idempotencyKey) {
        AtomicLong calls = processCalls.get(idempotencyKey);
        return calls == null ? 0 : calls.get();
    }

    @Override
    public void close() {
        // nothing held
    }

    private void readOptions(String jobId, String optionsJson) {
        JsonNode options;
        try {
            options = MAPPER.readTree(optionsJson);
        } catch (IOException e) {
            return;
        }
        if (options == null || !options.isObject()) {
            return;
        }
        String model = options.path("model").asText("");
        if (MODEL.matcher(model).matches()) {
            modelByJob.put(jobId, model);
        }
        if ("fail".equals(options.path("simulate").asText(""))) {
            failureByJob.put(jobId, "simulated failure requested by the options");
        }
    }

    static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
