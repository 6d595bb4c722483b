package dev.weft.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.weft.cache.Cache;
import dev.weft.cache.CacheTracing;
import dev.weft.cache.LocalCache;
import dev.weft.cache.SharedBucketStore;
import dev.weft.core.VirtualThreads;
import dev.weft.core.ratelimit.BucketStore;
import dev.weft.core.WeftException;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ApiClient}: wires the parts of a client and runs its terminal operations. A call is prepared
 * ({@link Call#prepare}: SSRF guard, headers, body, deadline, host guard), answered from the response cache if
 * fresh, else run by the {@link RetryExecutor} (each attempt admitted by the host's {@link HostGuard} and sent by
 * the {@link AttemptRunner} over the {@link Transport}), and its {@link Exchange} read into an {@link ApiResponse},
 * a stream or a file. Batches run in the {@link BatchRunner}, async calls in the {@link AsyncFacade}, status in
 * {@link ClientStatus}. Thread-safe.
 */
final class HttpApiClient implements ApiClient, RequestSender {
    private static final Logger log = LoggerFactory.getLogger(HttpApiClient.class);

    private final ApiConfig config;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final ApiResponse.JsonCodec codec;
    private final CallMetrics metrics;
    private final @Nullable ResponseCache responseCache;
    private final @Nullable Cache ownedCache;
    /** The shared rate store this client opened from a URL and closes; {@code null} if none or not its own. */
    private final @Nullable SharedBucketStore ownedRateStore;
    private final Transport transport;
    private final HostGuards guards;
    private final AttemptRunner attempts;
    private final RetryExecutor retries;
    private final ExecutorService executor;
    private final BatchRunner batches;
    private final AsyncApiClient async;
    private final ClientStatus status;
    private final AtomicBoolean closed = new AtomicBoolean();

    HttpApiClient(ApiConfig config, @Nullable MeterRegistry registry, OpenTelemetry openTelemetry,
            @Nullable Cache cache,
            @Nullable BucketStore sharedRates, @Nullable SharedBucketStore ownedRateStore, Clock clock,
            LongSupplier nanoTime, RandomGenerator random) {
        this.config = config;
        this.clock = clock;
        this.nanoTime = nanoTime;
        ObjectMapper mapper = JsonMapper.builder().addModule(new JavaTimeModule())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        this.codec = new ApiResponse.JsonCodec(mapper);
        this.metrics = new CallMetrics(config, registry, clock);
        if (config.cache().enabled()) {
            this.ownedCache = cache == null ? LocalCache.create("http-" + config.name(), 10_000) : null;
            this.responseCache = new ResponseCache(
                    CacheTracing.traced(Objects.requireNonNull(cache == null ? ownedCache : cache), openTelemetry),
                    config, clock);
        } else {
            this.ownedCache = null;
            this.responseCache = null;
        }
        this.ownedRateStore = ownedRateStore;
        this.transport = Transport.create(config);
        this.guards = new HostGuards(config, metrics, clock, nanoTime, sharedRates);
        HttpTracing tracing = new HttpTracing(openTelemetry, config.name());
        this.attempts = new AttemptRunner(config, transport, metrics, tracing, clock, nanoTime);
        this.retries = new RetryExecutor(config, attempts, metrics, tracing, nanoTime, random);
        // Async calls and batch items run on the executor's threads: each task carries its submitter's trace
        // context, so their spans stay under the caller's span.
        this.executor = Context.taskWrapping(VirtualThreads.newExecutor("api-" + config.name()));
        this.batches = new BatchRunner(config, executor);
        this.async = new AsyncFacade(this, executor);
        this.status = new ClientStatus(config, guards, transport, metrics);
        log.atInfo().setMessage("api client started").addKeyValue("api_client", config.name())
                .addKeyValue("config", config.toString()).log();
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public ApiConfig config() {
        return config;
    }

    @Override
    public ApiRequest request(HttpMethod method, String path) {
        return new ApiRequest(this, method, path);
    }

    // ---------------------------------------------------------------- terminal operations

    @Override
    public ApiResponse send(ApiRequest request) {
        Call call = prepare(request);
        ResponseCache cache = request.method() == HttpMethod.GET && !request.bypassCache() ? responseCache : null;
        List<Map.Entry<String, String>> requestHeaders = request.headers();
        String cacheKey = cache == null ? null
                : cache.key(call.target().uri(), call.target().authority(), requestHeaders);
        ResponseCache.Entry cached = cache == null || cacheKey == null ? null
                : cache.lookup(cacheKey, requestHeaders).orElse(null);
        if (cached != null && cached.fresh(clock)) {
            metrics.cacheHit();
            finish(call, cached.status(), "success", 0, false);
            return new ApiResponse(cached.status(), cached.headers(), cached.body(), true, 0, codec, config.name(),
                    call.target().authority());
        }
        Exchange exchange = retries.execute(call, cached == null ? null : cached.etag(), true);
        try {
            if (exchange.status == 304 && cached != null && cache != null && cacheKey != null) {
                ResponseCache.Entry refreshed = cache.refresh(cacheKey, cached, exchange.headers);
                metrics.cacheHit();
                finish(call, 304, "success", exchange.attempts, false);
                return new ApiResponse(refreshed.status(), refreshed.headers(), refreshed.body(), true,
                        exchange.attempts, codec, config.name(), call.target().authority());
            }
            byte[] body = exchange.readAll();
            if (cache != null && cacheKey != null) {
                cache.store(cacheKey, requestHeaders, exchange.status, exchange.headers, body);
            }
            finish(call, exchange.status, "success", exchange.attempts, false);
            return new ApiResponse(exchange.status, exchange.headers, body, false, exchange.attempts, codec,
                    config.name(), call.target().authority());
        } catch (WeftException e) {
            finish(call, exchange.status, e.code(), exchange.attempts, true);
            throw e;
        } finally {
            exchange.close();
        }
    }

    @Override
    public ApiStream stream(ApiRequest request) {
        Call call = prepare(request);
        Exchange exchange = retries.execute(call, null, false);
        finish(call, exchange.status, "success", exchange.attempts, false);
        try {
            return new ApiStream(exchange.status, exchange.headers, exchange.callerBody(), exchange::close);
        } catch (IOException e) {
            exchange.close();
            throw TransportFailures.of(config, call.target().authority(), e, false);
        }
    }

    @Override
    public DownloadResult download(ApiRequest request, Path target) {
        Call call = prepare(request);
        Path absolute = target.toAbsolutePath();
        Path directory = Objects.requireNonNull(absolute.getParent(), "target directory");
        Exchange exchange = retries.execute(call, null, false);
        Path partial = null;
        try {
            if (exchange.status >= 300) {
                // Redirects are not followed, so a 3xx body is a redirect page, not the file: writing it would
                // replace a good file with it and report success.
                ApiException failure = new UpstreamException(config.name(), call.target().authority(),
                        call.request().method().name(), call.target().uriTemplate(), exchange.status, "", null);
                finish(call, exchange.status, failure.code(), exchange.attempts, true);
                throw failure;
            }
            Files.createDirectories(directory);
            partial = Files.createTempFile(directory, "." + absolute.getFileName() + ".", ".part");
            long bytes = 0;
            try (OutputStream out = Files.newOutputStream(partial)) {
                InputStream body = bodyOf(call, exchange);
                byte[] buffer = new byte[64 * 1024];
                for (int count = read(call, exchange, body, buffer); count >= 0;
                        count = read(call, exchange, body, buffer)) {
                    out.write(buffer, 0, count);
                    bytes += count;
                }
            }
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            partial = null;
            finish(call, exchange.status, "success", exchange.attempts, false);
            return new DownloadResult(absolute, bytes,
                    exchange.firstHeader("content-type").orElse(null), exchange.status);
        } catch (IOException e) {
            // Only the local file's operations get here (body reads fail in read()): a full disk or an unwritable
            // directory is not the upstream's failure, and retrying the call would not help.
            finish(call, exchange.status, "file_error", exchange.attempts, true);
            throw new UncheckedIOException("cannot write the download to " + absolute.getFileName() + ": "
                    + e.getClass().getSimpleName(), e);
        } finally {
            exchange.close();
            if (partial != null) {
                deletePartial(partial);
            }
        }
    }

    private InputStream bodyOf(Call call, Exchange exchange) {
        try {
            return exchange.body();
        } catch (IOException e) {
            throw bodyFailure(call, exchange, e);
        }
    }

    private int read(Call call, Exchange exchange, InputStream body, byte[] buffer) {
        try {
            return body.read(buffer);
        } catch (IOException e) {
            throw bodyFailure(call, exchange, e);
        }
    }

    private ApiException bodyFailure(Call call, Exchange exchange, IOException e) {
        ApiException failure = exchange.readFailure(e);
        finish(call, exchange.status, failure.code(), exchange.attempts, true);
        return failure;
    }

    private Call prepare(ApiRequest request) {
        ensureOpen();
        return Call.prepare(request, config, codec, guards, nanoTime.getAsLong());
    }

    private void finish(Call call, int status, String outcome, int attempts, boolean failed) {
        metrics.finish(call, status, outcome, attempts, failed, nanoTime.getAsLong());
    }

    private void deletePartial(Path partial) {
        try {
            Files.deleteIfExists(partial);
        } catch (IOException e) {
            log.atWarn().setMessage("could not delete a partial download").addKeyValue("api_client", config.name())
                    .addKeyValue("file.name", partial.getFileName()).log();
        }
    }

    // ---------------------------------------------------------------- batch, async, status

    @Override
    public List<BatchResult<ApiResponse>> batch(List<ApiRequest> requests, int maxConcurrent) {
        ensureOpen();
        return batches.run(requests, maxConcurrent, ApiRequest::send);
    }

    @Override
    public <T> List<BatchResult<T>> batch(List<ApiRequest> requests, int maxConcurrent, Class<T> type) {
        Objects.requireNonNull(type, "type");
        ensureOpen();
        return batches.run(requests, maxConcurrent, request -> request.send(type));
    }

    @Override
    public AsyncApiClient async() {
        return async;
    }

    @Override
    public ApiMetrics metrics() {
        return status.metrics();
    }

    @Override
    public Map<String, HostPoolStatus> poolStatus() {
        return status.poolStatus();
    }

    @Override
    public Map<String, BreakerStatus> breakers() {
        return status.breakers();
    }

    @Override
    public CircuitBreakerView circuitBreaker(String host) {
        return status.circuitBreaker(host);
    }

    @Override
    public void resetCircuitBreakers() {
        status.resetCircuitBreakers();
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("api client '" + config.name() + "' is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        executor.shutdownNow();
        attempts.close();
        transport.close();
        if (ownedCache != null) {
            ownedCache.close();
        }
        if (ownedRateStore != null) {
            ownedRateStore.close();
        }
        log.atInfo().setMessage("api client closed").addKeyValue("api_client", config.name()).log();
    }
}
