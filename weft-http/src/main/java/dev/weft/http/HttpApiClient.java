package dev.weft.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.weft.cache.Cache;
import dev.weft.cache.LocalCache;
import dev.weft.cache.TypeRef;
import dev.weft.core.InvalidConfigException;
import dev.weft.core.InvalidInputException;
import dev.weft.core.WeftException;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ApiClient}: each call passes the SSRF guard, the response cache, then attempts through the host's
 * breaker, rate gate and bulkhead to HttpClient 5, retried with full-jitter backoff inside the host's retry budget
 * and the call's deadline.
 *
 * <p>Retry is weft's own loop, not Resilience4j's {@code Retry}: the decision needs the method, the idempotency key,
 * whether the request provably never left, the server's {@code Retry-After} and a budget shared by all calls to a
 * host, none of which R4j's retry can express without wrapping every one of them. Breaker and bulkhead are R4j;
 * the rate limit is Bucket4j (the same buckets locally and in Redis).
 */
final class HttpApiClient implements ApiClient, RequestSender {
    private static final Logger log = LoggerFactory.getLogger(HttpApiClient.class);
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final int DRAIN_LIMIT = 64 * 1024;

    private final ApiConfig config;
    private final String baseAuthority;
    private final Transport transport;
    private final ApiResponse.JsonCodec codec;
    private final Map<String, HostGuard> guards = new ConcurrentHashMap<>();
    private final CallMetrics metrics;
    private final @Nullable ResponseCache responseCache;
    private final @Nullable Cache ownedCache;
    private final ExecutorService executor;
    private final ScheduledExecutorService watchdog;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final Backoff backoff;
    private final @Nullable ProxyManager<byte[]> sharedRates;
    private final List<AutoCloseable> redisResources = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AsyncApiClient async = new AsyncView();

    HttpApiClient(ApiConfig config, @Nullable MeterRegistry registry, @Nullable Cache cache,
            @Nullable String rateLimitRedisUrl, Clock clock, LongSupplier nanoTime, RandomGenerator random) {
        this.config = config;
        this.baseAuthority = config.baseAuthority();
        this.clock = clock;
        this.nanoTime = nanoTime;
        ObjectMapper mapper = JsonMapper.builder().addModule(new JavaTimeModule())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        this.codec = new ApiResponse.JsonCodec(mapper);
        this.metrics = new CallMetrics(config.name(), registry, clock);
        this.backoff = new Backoff(config.retryDelay(), config.backoffFactor(), config.maxRetryDelay(), random);
        if (config.cacheEnabled()) {
            this.ownedCache = cache == null ? LocalCache.create("http-" + config.name(), 10_000) : null;
            this.responseCache = new ResponseCache(cache == null ? ownedCache : cache, config.name(),
                    config.cacheTtl(), clock);
        } else {
            this.ownedCache = null;
            this.responseCache = null;
        }
        this.sharedRates = config.rateLimitEnabled() && rateLimitRedisUrl != null
                ? connectRateStore(rateLimitRedisUrl) : null;
        this.transport = Transport.create(config);
        this.executor = dev.weft.core.VirtualThreads.newExecutor("api-" + config.name());
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "weft-api-" + config.name() + "-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.watchdog = timer;
        log.atInfo().setMessage("api client started").addKeyValue("client", config.name())
                .addKeyValue("config", config.toString()).log();
    }

    private ProxyManager<byte[]> connectRateStore(String url) {
        try {
            RedisClient client = RedisClient.create(RedisURI.create(url));
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(1)))
                    .build());
            redisResources.add(client::shutdown);
            StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
            redisResources.addFirst(connection);
            return Bucket4jLettuce.casBasedBuilder(connection)
                    .expirationAfterWrite(ExpirationAfterWriteStrategy
                            .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                    .build();
        } catch (RuntimeException e) {
            closeRedis();
            throw new InvalidConfigException("weft.http." + config.name() + ".rate-limit-redis",
                    url.replaceAll("//[^@/]*@", "//***@"), "Redis did not answer", e);
        }
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
        boolean cacheable = responseCache != null && request.method() == HttpMethod.GET && !request.bypassCache();
        String cacheKey = cacheable ? responseCache.key(call.target.uri().toString()) : null;
        ResponseCache.Entry cached = cacheKey == null ? null : responseCache.lookup(cacheKey).orElse(null);
        if (cached != null && cached.fresh(clock)) {
            metrics.cacheHit();
            finish(call, cached.status(), "success", 0, false);
            return new ApiResponse(cached.status(), cached.headers(), cached.body(), true, 0, codec, config.name(),
                    call.target.authority());
        }
        Exchange exchange = execute(call, cached == null ? null : cached.etag(), true);
        try {
            if (exchange.status == 304 && cached != null && cacheKey != null) {
                ResponseCache.Entry refreshed = responseCache.refresh(cacheKey, cached, exchange.headers);
                metrics.cacheHit();
                finish(call, 304, "success", exchange.attempts, false);
                return new ApiResponse(refreshed.status(), refreshed.headers(), refreshed.body(), true,
                        exchange.attempts, codec, config.name(), call.target.authority());
            }
            byte[] body = readBody(exchange, call);
            if (cacheKey != null) {
                responseCache.store(cacheKey, exchange.status, exchange.headers, body);
            }
            finish(call, exchange.status, "success", exchange.attempts, false);
            return new ApiResponse(exchange.status, exchange.headers, body, false, exchange.attempts, codec,
                    config.name(), call.target.authority());
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
        Exchange exchange = execute(call, null, false);
        finish(call, exchange.status, "success", exchange.attempts, false);
        try {
            return new ApiStream(exchange.status, exchange.headers, exchange.body(), exchange::close);
        } catch (IOException e) {
            exchange.close();
            throw failure(call, e, false);
        }
    }

    @Override
    public DownloadResult download(ApiRequest request, Path target) {
        Call call = prepare(request);
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        Exchange exchange = execute(call, null, false);
        Path partial = null;
        try {
            Files.createDirectories(directory);
            partial = Files.createTempFile(directory, "." + absolute.getFileName() + ".", ".part");
            long bytes;
            try (OutputStream out = Files.newOutputStream(partial)) {
                bytes = exchange.body().transferTo(out);
            }
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            partial = null;
            finish(call, exchange.status, "success", exchange.attempts, false);
            return new DownloadResult(absolute, bytes,
                    exchange.firstHeader("content-type").orElse(null), exchange.status);
        } catch (IOException e) {
            ApiException failure = failure(call, e, false);
            finish(call, exchange.status, failure.code(), exchange.attempts, true);
            throw failure;
        } finally {
            exchange.close();
            if (partial != null) {
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException e) {
                    log.atWarn().setMessage("could not delete a partial download").addKeyValue("client", config.name())
                            .addKeyValue("file", partial.getFileName()).log();
                }
            }
        }
    }

    // ---------------------------------------------------------------- the attempt loop

    /** A call being made: its checked target, guard, deadline and body, fixed before the first attempt. */
    private record Call(ApiRequest request, RequestTarget target, HostGuard guard, long startNanos, long deadline,
            @Nullable RequestBody body, byte @Nullable [] jsonBody, @Nullable String idempotencyKey) {
    }

    /** An open response with its bulkhead permit; {@link #close()} releases both. */
    private final class Exchange {
        final ClassicHttpResponse response;
        final int status;
        final Map<String, List<String>> headers;
        final int attempts;
        final AtomicBoolean timedOut;
        private final HostGuard guard;
        private final @Nullable ScheduledFuture<?> deadline;
        private final AtomicBoolean released = new AtomicBoolean();
        private final long bodyDeadline;
        private volatile boolean bodyRead;

        Exchange(ClassicHttpResponse response, HostGuard guard,
                @Nullable ScheduledFuture<?> deadline, AtomicBoolean timedOut, long bodyDeadline, int attempts) {
            this.bodyDeadline = bodyDeadline;
            this.response = response;
            this.status = response.getCode();
            this.headers = headersOf(response);
            this.guard = guard;
            this.deadline = deadline;
            this.timedOut = timedOut;
            this.attempts = attempts;
        }

        /** The body; reading it to the end marks the connection reusable. */
        InputStream body() throws IOException {
            HttpEntity entity = response.getEntity();
            if (entity == null) {
                bodyRead = true;
                return InputStream.nullInputStream();
            }
            return new java.io.FilterInputStream(entity.getContent()) {
                @Override
                public int read() throws IOException {
                    checkDeadline();
                    int value = super.read();
                    bodyRead |= value < 0;
                    return value;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    checkDeadline();
                    int count = super.read(buffer, offset, length);
                    bodyRead |= count < 0;
                    return count;
                }

                /** HC5 drains an entity stream on close; the exchange drops an unread one instead. */
                @Override
                public void close() {
                    Exchange.this.close();
                }
            };
        }

        void markRead() {
            bodyRead = true;
        }

        /** A body trickled slower than the deadline allows ends there, not at the next read timeout. */
        private void checkDeadline() throws IOException {
            if (bodyDeadline != 0 && nanoTime.getAsLong() - bodyDeadline >= 0) {
                timedOut.set(true);
                throw new java.io.InterruptedIOException("deadline passed while reading the body");
            }
        }

        Optional<String> firstHeader(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
        }

        void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            if (deadline != null) {
                deadline.cancel(false);
            }
            try {
                if (!bodyRead && response.getEntity() != null && response instanceof ModalCloseable modal) {
                    // Closing an unread body would drain it (maybe gigabytes, maybe trickled) to reuse the
                    // connection: drop the connection instead.
                    modal.close(CloseMode.IMMEDIATE);
                }
                response.close();
            } catch (IOException e) {
                log.atDebug().setMessage("closing a response failed").addKeyValue("client", config.name()).log();
            } finally {
                guard.bulkhead.onComplete();
            }
        }
    }

    private Call prepare(ApiRequest request) {
        ensureOpen();
        RequestTarget target = RequestTarget.resolve(config, request.pathTemplate(), request.pathParams(),
                request.queryParams());
        for (Map.Entry<String, String> header : request.headers()) {
            if (!HEADER_NAME.matcher(header.getKey()).matches()) {
                throw new InvalidInputException("invalid_header", "headers", "not a valid header name");
            }
            if (!Headers.validValue(header.getValue())) {
                throw new InvalidInputException("invalid_header", "headers." + header.getKey(),
                        "header value contains control characters (CR, LF, NUL)");
            }
        }
        String key = request.idempotencyKeyValue().orElse(null);
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw new InvalidInputException("invalid_idempotency_key", "Idempotency-Key",
                    "must be 1..255 visible ASCII characters");
        }
        RequestBody body = request.body().orElse(null);
        byte[] json = null;
        if (body instanceof RequestBody.Json(Object value)) {
            try {
                json = codec.mapper().writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                throw new InvalidInputException("invalid_body", "body",
                        "request body cannot be written as JSON: " + e.getOriginalMessage(), e);
            }
        }
        long start = nanoTime.getAsLong();
        long deadline = start + request.timeout().orElse(config.totalTimeout()).toNanos();
        HostGuard guard = guard(target.authority());
        return new Call(request, target, guard, start, deadline, body, json, key);
    }

    /**
     * Attempts the call until a response below 400 (or a 304) arrives, retrying what may be retried. The returned
     * exchange holds the bulkhead permit. With {@code boundedByDeadline}, the deadline also cuts a slow body.
     */
    private Exchange execute(Call call, @Nullable String ifNoneMatch, boolean boundedByDeadline) {
        HostGuard guard = call.guard;
        guard.budget.recordCall();
        ApiException last = null;
        for (int attempt = 1; ; attempt++) {
            long remaining = call.deadline - nanoTime.getAsLong();
            if (remaining <= 0) {
                throw failed(call, attempt - 1, last != null ? last
                        : new ApiTimeoutException(config.name(), guard.authority, "deadline_exceeded",
                                "deadline passed before the call could be sent", null));
            }
            CircuitBreaker breaker = guard.breaker;
            if (breaker != null && !breaker.tryAcquirePermission()) {
                CircuitOpenException open = new CircuitOpenException(config.name(), guard.authority,
                        guard.permittedIn(), last);
                throw failed(call, attempt - 1, open);
            }
            if (guard.rateGate != null) {
                long waitNanos;
                try {
                    waitNanos = guard.rateGate.acquire(min(config.rateLimitWait(), remaining));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    releaseBreaker(breaker);
                    throw failed(call, attempt - 1, interrupted(guard, "waiting for a rate-limit permit"));
                }
                if (waitNanos > 0) {
                    releaseBreaker(breaker);
                    throw failed(call, attempt - 1, new RateLimitedException(config.name(), guard.authority,
                            Duration.ofNanos(waitNanos), "rate limit of " + config.rateLimit()
                                    + "/s reached; no permit within " + config.rateLimitWait().toMillis() + " ms", false));
                }
            }
            if (!guard.bulkhead.tryAcquirePermission()) {
                releaseBreaker(breaker);
                throw failed(call, attempt - 1, new BulkheadFullException(config.name(), guard.authority,
                        "bulkhead_full", config.maxConcurrentPerHost() + " calls in flight; none finished within "
                                + config.totalTimeout().toMillis() + " ms", null));
            }
            Attempt outcome = attemptOnce(call, attempt, ifNoneMatch, remaining, boundedByDeadline);
            if (outcome.exchange() != null) {
                return outcome.exchange();
            }
            last = Objects.requireNonNull(outcome.failure());
            if (!outcome.retryable()
                    || !mayRetry(call, attempt, outcome.neverSent(), waitsAsAsked(outcome.retryAfter()), last)) {
                throw failed(call, attempt, last);
            }
            Duration retryAfter = outcome.retryAfter();
            Duration delay = backoff.delay(attempt, retryAfter);
            if (delay.toNanos() >= call.deadline - nanoTime.getAsLong()) {
                throw failed(call, attempt, last);
            }
            metrics.retry();
            sleep(delay, guard);
        }
    }

    /**
     * What one attempt came to: an open exchange (success), or a failure with what the retry decision needs.
     * Everything the attempt held (response, bulkhead permit, deadline timer) is released unless it succeeded.
     */
    private record Attempt(@Nullable Exchange exchange, @Nullable ApiException failure, boolean retryable,
            boolean neverSent, @Nullable Duration retryAfter) {
        static Attempt succeeded(Exchange exchange) {
            return new Attempt(exchange, null, false, false, null);
        }
    }

    private Attempt attemptOnce(Call call, int attempt, @Nullable String ifNoneMatch, long remaining,
            boolean boundedByDeadline) {
        HostGuard guard = call.guard;
        CircuitBreaker breaker = guard.breaker;
        HttpUriRequestBase request;
        try {
            request = buildRequest(call, attempt, ifNoneMatch);
        } catch (RuntimeException e) {
            guard.bulkhead.onComplete();
            releaseBreaker(breaker);
            throw e;
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        // Connect, lease and read timeouts are capped at the time left, and body reads check the deadline, so
        // only a streamed upload (a write the server stops reading) needs a timer to cancel it.
        ScheduledFuture<?> deadline = call.body instanceof RequestBody.Form ? watchdog.schedule(() -> {
            timedOut.set(true);
            request.cancel();
        }, remaining, TimeUnit.NANOSECONDS) : null;
        long attemptStart = nanoTime.getAsLong();
        ClassicHttpResponse response = null;
        boolean handedOver = false;
        try {
            HttpClientContext context = HttpClientContext.create();
            long remainingMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining));
            // Read and lease timeouts are capped at the time left, so no wait outlives the deadline.
            context.setRequestConfig(requestConfig(Math.min(config.responseTimeout().toMillis(), remainingMillis),
                    remainingMillis));
            response = transport.client.executeOpen(null, request, context);
            int status = response.getCode();
            long elapsed = nanoTime.getAsLong() - attemptStart;
            metrics.attempt(request.getMethod(), guard.authority, call.target.uriTemplate(), status,
                    CallMetrics.outcome(status), elapsed);
            if (breaker != null) {
                if (status >= 500) {
                    breaker.onError(elapsed, TimeUnit.NANOSECONDS, new UpstreamStatus(status));
                } else {
                    breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
                }
            }
            if (status < 400 || status == 304) {
                if (deadline != null && !boundedByDeadline) {
                    deadline.cancel(false);
                }
                handedOver = true;
                return Attempt.succeeded(new Exchange(response, guard,
                        boundedByDeadline ? deadline : null, timedOut, boundedByDeadline ? call.deadline : 0,
                        attempt));
            }
            Duration retryAfter = RetryAfter.parse(header(response, "Retry-After"), clock);
            String excerpt = excerpt(response);
            ApiException failure = status == 429
                    ? new RateLimitedException(config.name(), guard.authority,
                            retryAfter == null ? Duration.ofSeconds(1) : retryAfter,
                            call.request.method() + " " + call.target.uriTemplate() + " answered 429", true)
                    : new UpstreamException(config.name(), guard.authority, call.request.method().name(),
                            call.target.uriTemplate(), status, excerpt, retryAfter);
            boolean retryable = status == 429 || status == 502 || status == 503 || status == 504;
            return new Attempt(null, failure, retryable, false, retryAfter);
        } catch (IOException e) {
            long elapsed = nanoTime.getAsLong() - attemptStart;
            metrics.attempt(request.getMethod(), guard.authority, call.target.uriTemplate(), 0,
                    timedOut.get() || e instanceof SocketTimeoutException ? "TIMEOUT" : "IO_ERROR", elapsed);
            if (breaker != null) {
                breaker.onError(elapsed, TimeUnit.NANOSECONDS, e);
            }
            if (timedOut.get() || nanoTime.getAsLong() - call.deadline >= 0) {
                return new Attempt(null, new ApiTimeoutException(config.name(), guard.authority,
                        "deadline_exceeded", "no complete answer within "
                                + TimeUnit.NANOSECONDS.toMillis(call.deadline - call.startNanos) + " ms", e),
                        false, false, null);
            }
            boolean neverSent = neverSent(e);
            ApiException failure = failure(call, e, neverSent);
            return new Attempt(null, failure, failure.retryable(), neverSent, null);
        } catch (RuntimeException e) {
            releaseBreaker(breaker);
            throw e;
        } finally {
            if (!handedOver) {
                release(response, deadline, guard);
            }
        }
    }

    private static RequestConfig requestConfig(long responseMillis, long leaseMillis) {
        return RequestConfig.custom()
                .setResponseTimeout(Timeout.ofMilliseconds(Math.max(1, responseMillis)))
                .setConnectionRequestTimeout(Timeout.ofMilliseconds(Math.max(1, leaseMillis)))
                .setRedirectsEnabled(false)
                .build();
    }

    /**
     * Whether the retry waits what the server asked for: a {@code Retry-After} within {@code maxRetryDelay}. A longer
     * one is cut to {@code maxRetryDelay}, so that retry comes before the server said and draws from the budget.
     */
    private boolean waitsAsAsked(@Nullable Duration retryAfter) {
        return retryAfter != null && retryAfter.compareTo(backoff.maxDelay()) <= 0;
    }

    /**
     * Whether the failed attempt may be retried; throws if only the budget stands in the way. A retry the server
     * asked for with {@code Retry-After} (a polite 429 or 503) is flow control, not a retry storm: it waits what the
     * server said and does not draw from the budget, so a rate-limited but healthy upstream never exhausts it; a
     * wait cut short by {@code maxRetryDelay} is not what the server said, and draws like any retry.
     */
    private boolean mayRetry(Call call, int attempt, boolean neverSent, boolean serverSaidWhen, ApiException last) {
        if (attempt > config.maxRetries()) {
            return false;
        }
        if (!call.request.method().idempotent() && call.idempotencyKey == null && !neverSent) {
            return false;
        }
        if (!serverSaidWhen && !call.guard.budget.tryRetry()) {
            throw failed(call, attempt,
                    new RetryBudgetExhaustedException(config.name(), call.guard.authority, attempt, last));
        }
        return true;
    }

    private ApiException failed(Call call, int attempts, ApiException failure) {
        int status = failure instanceof UpstreamException upstream ? upstream.status()
                : failure instanceof RateLimitedException limited && limited.fromUpstream() ? 429 : 0;
        finish(call, status, failure.code(), attempts, true);
        return failure;
    }

    private void finish(Call call, int status, String outcome, int attempts, boolean failed) {
        metrics.call(call.request.method().name(), call.target.authority(), call.target.uriTemplate(), status,
                outcome, attempts, nanoTime.getAsLong() - call.startNanos, failed);
    }

    private HttpUriRequestBase buildRequest(Call call, int attempt, @Nullable String ifNoneMatch) {
        HttpUriRequestBase request = new HttpUriRequestBase(call.request.method().name(), call.target.uri());
        boolean sameHost = call.target.authority().equals(baseAuthority);
        // Credentials go only to the configured API, never to another allowed host.
        if (sameHost && !config.bearerToken().isEmpty()) {
            request.setHeader("Authorization", "Bearer " + config.bearerToken().reveal());
        }
        if (sameHost && !config.apiKey().isEmpty()) {
            request.setHeader(config.apiKeyHeader(), config.apiKey().reveal());
        }
        if (!config.keepAlive()) {
            request.setHeader("Connection", "close");
        }
        request.setHeader("Accept", "application/json, */*;q=0.5");
        for (Map.Entry<String, String> header : call.request.headers()) {
            request.setHeader(header.getKey(), header.getValue());
        }
        if (call.idempotencyKey != null) {
            request.setHeader("Idempotency-Key", call.idempotencyKey);
        }
        if (ifNoneMatch != null) {
            request.setHeader("If-None-Match", ifNoneMatch);
        }
        if (attempt > 1) {
            request.setHeader("X-Retry-Attempt", Integer.toString(attempt - 1));
        }
        RequestBody body = call.body;
        if (body instanceof RequestBody.Json && call.jsonBody != null) {
            request.setEntity(new ByteArrayEntity(call.jsonBody, ContentType.APPLICATION_JSON));
        } else if (body instanceof RequestBody.Bytes(byte[] bytes, String contentType)) {
            request.setEntity(new ByteArrayEntity(bytes, ContentType.parse(contentType)));
        } else if (body instanceof RequestBody.Form(Multipart multipart)) {
            MultipartEntityBuilder form = MultipartEntityBuilder.create().setMode(HttpMultipartMode.EXTENDED);
            for (Multipart.Part part : multipart.parts()) {
                switch (part) {
                    case Multipart.Field field -> form.addTextBody(field.name(), field.value(),
                            ContentType.parse(field.contentType()).withCharset(java.nio.charset.StandardCharsets.UTF_8));
                    case Multipart.FilePart file -> form.addBinaryBody(file.name(), file.path().toFile(),
                            ContentType.parse(file.contentType()), file.filename());
                }
            }
            request.setEntity(form.build());
        }
        return request;
    }

    private byte[] readBody(Exchange exchange, Call call) {
        HttpEntity entity = exchange.response.getEntity();
        if (entity == null) {
            exchange.markRead();
            return new byte[0];
        }
        long limit = config.maxResponseBytes();
        if (entity.getContentLength() > limit) {
            throw new ResponseFormatException(config.name(), call.target.authority(), "response_too_large",
                    "response body of " + entity.getContentLength() + " bytes is over the limit of " + limit
                            + "; stream or download it", null);
        }
        try {
            InputStream in = exchange.body();
            long declared = entity.getContentLength();
            byte[] body = declared >= 0 ? in.readNBytes((int) declared + 1)
                    : in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                throw new ResponseFormatException(config.name(), call.target.authority(), "response_too_large",
                        "response body is over the limit of " + limit + " bytes; stream or download it", null);
            }
            exchange.markRead();
            return body;
        } catch (IOException e) {
            if (exchange.timedOut.get()) {
                throw new ApiTimeoutException(config.name(), call.target.authority(), "deadline_exceeded",
                        "body not complete within " + TimeUnit.NANOSECONDS.toMillis(call.deadline - call.startNanos)
                                + " ms", e);
            }
            throw failure(call, e, false);
        }
    }

    /**
     * Up to 1 KiB of an error body. A small rest is drained so the connection can be reused; a large or unknown
     * one is dropped with the connection rather than read.
     */
    private static String excerpt(ClassicHttpResponse response) {
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            return "";
        }
        long length = entity.getContentLength();
        try {
            InputStream in = entity.getContent();
            byte[] head = in.readNBytes(UpstreamException.MAX_EXCERPT_BYTES);
            if (length >= 0 && length <= DRAIN_LIMIT) {
                in.skipNBytes(Math.max(0, length - head.length));
            } else if (head.length == UpstreamException.MAX_EXCERPT_BYTES) {
                discard(response);
            }
            return new String(head, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            discard(response);
            return "";
        }
    }

    /** Drops the connection under a response whose rest will not be read. */
    private static void discard(ClassicHttpResponse response) {
        if (response instanceof ModalCloseable modal) {
            modal.close(CloseMode.IMMEDIATE);
        }
    }

    private void release(@Nullable ClassicHttpResponse response, @Nullable ScheduledFuture<?> deadline,
            HostGuard guard) {
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (response != null) {
            try {
                response.close();
            } catch (IOException e) {
                log.atDebug().setMessage("closing a response failed").addKeyValue("client", config.name()).log();
            }
        }
        guard.bulkhead.onComplete();
    }

    private static void releaseBreaker(@Nullable CircuitBreaker breaker) {
        if (breaker != null) {
            breaker.releasePermission();
        }
    }

    /** Whether the failure happened before any byte of the request could reach the server. */
    private static boolean neverSent(IOException e) {
        return e instanceof ConnectException || e instanceof ConnectTimeoutException
                || e instanceof UnknownHostException || e instanceof NoRouteToHostException;
    }

    private ApiException failure(Call call, IOException e, boolean neverSent) {
        String host = call.target.authority();
        return switch (e) {
            case ConnectTimeoutException timeout -> new ApiTimeoutException(config.name(), host, "connect_timeout",
                    "no connection within " + config.connectTimeout().toMillis() + " ms", timeout);
            case SocketTimeoutException timeout -> new ApiTimeoutException(config.name(), host, "read_timeout",
                    "no data within " + config.responseTimeout().toMillis() + " ms", timeout);
            case SSLException tls -> new ApiConnectException(config.name(), host, "tls_failure",
                    "TLS failed: " + tls.getClass().getSimpleName(), tls, false);
            case InterruptedIOException interrupted -> {
                Thread.currentThread().interrupt();
                yield interrupted(call.guard, "waiting for the response");
            }
            case NoHttpResponseException none -> new ApiConnectException(config.name(), host, "no_response",
                    "server closed the connection without answering", none);
            case SocketException socket when !neverSent -> new ApiConnectException(config.name(), host,
                    "connection_reset", "connection broke: " + socket.getClass().getSimpleName(), socket);
            default -> new ApiConnectException(config.name(), host, neverSent ? "upstream_unreachable" : "io_error",
                    (neverSent ? "cannot connect: " : "I/O failed: ") + e.getClass().getSimpleName(), e);
        };
    }

    private ApiException interrupted(HostGuard guard, String what) {
        return new ApiConnectException(config.name(), guard.authority, "interrupted", "interrupted " + what, null,
                false);
    }

    private void sleep(Duration delay, HostGuard guard) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(guard, "during retry backoff");
        }
    }

    private static @Nullable String header(ClassicHttpResponse response, String name) {
        Header header = response.getFirstHeader(name);
        return header == null ? null : header.getValue();
    }

    private static Map<String, List<String>> headersOf(ClassicHttpResponse response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header header : response.getHeaders()) {
            headers.computeIfAbsent(header.getName().toLowerCase(Locale.ROOT), name -> new ArrayList<>(1))
                    .add(header.getValue());
        }
        return headers;
    }

    private static Duration min(Duration limit, long remainingNanos) {
        return limit.toNanos() <= remainingNanos ? limit : Duration.ofNanos(Math.max(0, remainingNanos));
    }

    /** Why the breaker recorded an error for a response that arrived. */
    private static final class UpstreamStatus extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UpstreamStatus(int status) {
            super("upstream answered " + status, null, false, false);
        }
    }

    // ---------------------------------------------------------------- guards and status

    private HostGuard guard(String authority) {
        HostGuard guard = guards.get(authority);
        if (guard != null) {
            return guard;
        }
        return guards.computeIfAbsent(authority, host -> {
            HostGuard created = HostGuard.create(config, host, clock, nanoTime, this::rateGate);
            if (created.breaker != null) {
                created.breaker.getEventPublisher().onStateTransition(event -> {
                    metrics.breakerTransition();
                    log.atWarn().setMessage("circuit breaker changed state").addKeyValue("client", config.name())
                            .addKeyValue("server.address", host)
                            .addKeyValue("transition", event.getStateTransition().toString()).log();
                });
            }
            return created;
        });
    }

    private @Nullable RateGate rateGate(String authority) {
        if (!config.rateLimitEnabled()) {
            return null;
        }
        return sharedRates != null ? RateGate.shared(config.name(), authority, config.rateLimit(), sharedRates)
                : RateGate.local(config.name(), config.rateLimit());
    }

    @Override
    public List<BatchResult<ApiResponse>> batch(List<ApiRequest> requests, int maxConcurrent) {
        return runBatch(requests, maxConcurrent, ApiRequest::send);
    }

    @Override
    public <T> List<BatchResult<T>> batch(List<ApiRequest> requests, int maxConcurrent, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return runBatch(requests, maxConcurrent, request -> request.send(type));
    }

    private <T> List<BatchResult<T>> runBatch(List<ApiRequest> requests, int maxConcurrent,
            java.util.function.Function<ApiRequest, T> sender) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be >= 1: " + maxConcurrent);
        }
        ensureOpen();
        List<ApiRequest> copy = List.copyOf(requests);
        Semaphore permits = new Semaphore(maxConcurrent, true);
        List<Future<BatchResult<T>>> futures = new ArrayList<>(copy.size());
        for (int i = 0; i < copy.size(); i++) {
            int index = i;
            ApiRequest request = copy.get(i);
            futures.add(executor.submit(() -> {
                permits.acquire();
                try {
                    return new BatchResult<>(index, sender.apply(request), null);
                } catch (RuntimeException e) {
                    return new BatchResult<T>(index, null, e);
                } finally {
                    permits.release();
                }
            }));
        }
        List<BatchResult<T>> results = new ArrayList<>(copy.size());
        for (int i = 0; i < futures.size(); i++) {
            try {
                results.add(futures.get(i).get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(future -> future.cancel(true));
                throw new ApiConnectException(config.name(), baseAuthority, "interrupted",
                        "interrupted while waiting for a batch", e);
            } catch (ExecutionException e) {
                results.add(new BatchResult<>(i, null, new IllegalStateException("batch item failed", e.getCause())));
            }
        }
        return results;
    }

    @Override
    public AsyncApiClient async() {
        return async;
    }

    @Override
    public ApiMetrics metrics() {
        long refused = 0;
        for (HostGuard guard : guards.values()) {
            refused += guard.budget.refused();
        }
        return metrics.snapshot(refused);
    }

    @Override
    public Map<String, HostPoolStatus> poolStatus() {
        Map<String, HostPoolStatus> status = new HashMap<>();
        for (org.apache.hc.client5.http.HttpRoute route : transport.pool.getRoutes()) {
            org.apache.hc.core5.pool.PoolStats stats = transport.pool.getStats(route);
            org.apache.hc.core5.http.HttpHost host = route.getTargetHost();
            String authority = Hosts.authority(host.getSchemeName(), host.getHostName(), host.getPort());
            status.put(authority, new HostPoolStatus(authority, stats.getLeased(), stats.getAvailable(),
                    stats.getPending(), stats.getMax()));
        }
        for (String authority : guards.keySet()) {
            status.putIfAbsent(authority, new HostPoolStatus(authority, 0, 0, 0, config.maxConnectionsPerHost()));
        }
        return status;
    }

    @Override
    public Map<String, BreakerStatus> breakers() {
        Map<String, BreakerStatus> status = new HashMap<>();
        guards.forEach((authority, guard) -> status.put(authority, guard.breakerStatus()));
        return status;
    }

    @Override
    public CircuitBreakerView circuitBreaker(String host) {
        String authority = host.toLowerCase(Locale.ROOT);
        if (authority.lastIndexOf(':') <= authority.lastIndexOf(']')) {
            authority = Hosts.authority(config.baseUrl().getScheme(), authority, -1);
        }
        HostGuard guard = guard(authority);
        return new CircuitBreakerView() {
            @Override
            public BreakerStatus status() {
                return guard.breakerStatus();
            }

            @Override
            public Duration permittedIn() {
                return guard.permittedIn();
            }

            @Override
            public void reset() {
                if (guard.breaker != null) {
                    guard.breaker.reset();
                }
            }
        };
    }

    @Override
    public void resetCircuitBreakers() {
        for (HostGuard guard : guards.values()) {
            if (guard.breaker != null) {
                guard.breaker.reset();
            }
        }
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
        watchdog.shutdownNow();
        transport.close();
        if (ownedCache != null) {
            ownedCache.close();
        }
        closeRedis();
        log.atInfo().setMessage("api client closed").addKeyValue("client", config.name()).log();
    }

    private void closeRedis() {
        for (AutoCloseable resource : redisResources) {
            try {
                resource.close();
            } catch (Exception e) {
                log.atDebug().setMessage("closing the rate-limit Redis connection failed")
                        .addKeyValue("client", config.name()).log();
            }
        }
        redisResources.clear();
    }

    /** {@link AsyncApiClient} on the client's virtual-thread executor. */
    private final class AsyncView implements AsyncApiClient {
        @Override
        public CompletableFuture<ApiResponse> send(ApiRequest request) {
            return CompletableFuture.supplyAsync(request::send, executor);
        }

        @Override
        public <T> CompletableFuture<T> send(ApiRequest request, Class<T> type) {
            return CompletableFuture.supplyAsync(() -> request.send(type), executor);
        }

        @Override
        public <T> CompletableFuture<T> send(ApiRequest request, TypeRef<T> type) {
            return CompletableFuture.supplyAsync(() -> request.send(type), executor);
        }

        @Override
        public CompletableFuture<DownloadResult> download(ApiRequest request, Path target) {
            return CompletableFuture.supplyAsync(() -> request.download(target), executor);
        }

        @Override
        public CompletableFuture<List<BatchResult<ApiResponse>>> batch(List<ApiRequest> requests, int maxConcurrent) {
            return CompletableFuture.supplyAsync(() -> HttpApiClient.this.batch(requests, maxConcurrent), executor);
        }
    }
}
