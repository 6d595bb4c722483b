package dev.weft.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import io.opentelemetry.api.trace.Span;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one attempt of a call through HttpClient 5, after {@link HostGuard#admit} let it through: builds the request
 * (credentials only to the base URL's host), caps every wait at the call's deadline, records the attempt in the
 * metrics and the breaker, and turns the answer into an {@link Attempt}. Thread-safe.
 */
final class AttemptRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttemptRunner.class);
    private static final int DRAIN_LIMIT = 64 * 1024;

    private final ApiConfig config;
    private final String baseAuthority;
    private final Transport transport;
    private final CallMetrics metrics;
    private final HttpTracing tracing;
    private final Clock clock;
    private final LongSupplier nanoTime;
    /**
     * Aborts every attempt still running at its deadline: one daemon platform thread per client, one task per
     * attempt (removed from the queue when the attempt ends first). A task only calls {@code cancel()}, which closes
     * the connection in HC5's immediate mode (SO_LINGER 0, no TLS close_notify wait), so it does not block.
     */
    private final ScheduledExecutorService watchdog;
    /** Set by {@link #close()}: a failure then is the close's doing, not the host's. */
    private volatile boolean closed;

    AttemptRunner(ApiConfig config, Transport transport, CallMetrics metrics, HttpTracing tracing, Clock clock,
            LongSupplier nanoTime) {
        this.config = config;
        this.tracing = tracing;
        this.baseAuthority = config.baseAuthority();
        this.transport = transport;
        this.metrics = metrics;
        this.clock = clock;
        this.nanoTime = nanoTime;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "weft-api-" + config.name() + "-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.watchdog = timer;
    }

    /**
     * What one attempt came to: an open exchange (success), or a failure with what the retry decision needs.
     *
     * @param exchange the open response of a success, or {@code null}
     * @param failure why the attempt failed, or {@code null}
     * @param retryable whether the failure is worth retrying
     * @param neverSent whether the request provably never reached the server
     * @param retryAfter the server's {@code Retry-After}, or {@code null}
     */
    record Attempt(@Nullable Exchange exchange, @Nullable ApiException failure, boolean retryable,
            boolean neverSent, @Nullable Duration retryAfter) {
        static Attempt succeeded(Exchange exchange) {
            return new Attempt(exchange, null, false, false, null);
        }
    }

    /**
     * Sends one admitted attempt. Everything the attempt holds (response, bulkhead permit, deadline timer) is
     * released unless it succeeded; a success hands them to the returned exchange.
     *
     * @param attempt 1 for the first attempt
     * @param ifNoneMatch the cached ETag to revalidate, or {@code null}
     * @param boundedByDeadline whether the deadline also cuts a slow body (else it ends when the head has arrived)
     */
    Attempt send(Call call, int attempt, @Nullable String ifNoneMatch, boolean boundedByDeadline) {
        HostGuard guard = call.guard();
        // Taken after admission, whose rate-limit and bulkhead waits used part of the call's time.
        long remaining = call.deadline() - nanoTime.getAsLong();
        if (remaining <= 0) {
            guard.releaseBulkhead();
            guard.releaseBreaker();
            return new Attempt(null, new ApiTimeoutException(config.name(), guard.authority, "deadline_exceeded",
                    "deadline passed before the attempt could be sent", null), false, true, null);
        }
        HttpUriRequestBase request;
        try {
            request = buildRequest(call, attempt, ifNoneMatch);
        } catch (RuntimeException e) {
            guard.releaseBulkhead();
            guard.releaseBreaker();
            throw e;
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        // Capping each socket wait at the time left is not enough: a server that sends the head (or an upload's
        // reads, or the body) a little at a time keeps every single read within its timeout for as long as it
        // likes. The timer aborts the whole attempt at the deadline: cancel() closes the connection, so it is
        // never reused, and the blocked read or write fails at once.
        ScheduledFuture<?> deadline;
        try {
            deadline = closed ? null : watchdog.schedule(() -> {
                timedOut.set(true);
                request.cancel();
            }, remaining, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            deadline = null;
        }
        if (deadline == null) {
            // The client was closed while this call was under way (a retry after close() began).
            guard.releaseBulkhead();
            guard.releaseBreaker();
            return clientClosed(call);
        }
        Span span = tracing.startAttempt(call, request, attempt);
        long attemptStart = nanoTime.getAsLong();
        ClassicHttpResponse response = null;
        boolean handedOver = false;
        try {
            HttpClientContext context = HttpClientContext.create();
            // Rounded up, so that a wait capped by it ends at the deadline, not a fraction of a millisecond before.
            long remainingMillis = Math.max(1, (remaining + 999_999) / 1_000_000);
            // Read and lease timeouts are also capped at the time left, so those waits end by themselves.
            context.setRequestConfig(requestConfig(
                    Math.min(config.timeouts().response().toMillis(), remainingMillis), remainingMillis));
            response = transport.client.executeOpen(null, request, context);
            int status = response.getCode();
            HttpTracing.answered(span, status);
            span = null;
            long elapsed = nanoTime.getAsLong() - attemptStart;
            metrics.attempt(request.getMethod(), guard.authority, call.target().uriTemplate(), status,
                    CallMetrics.outcome(status), elapsed);
            guard.onResponse(status, elapsed);
            if (status < 400 || status == 304) {
                if (!boundedByDeadline && !deadline.cancel(false) && timedOut.get()) {
                    // The timer fired just as the head arrived and has closed the connection under it.
                    return deadlineExceeded(call, null);
                }
                handedOver = true;
                return Attempt.succeeded(new Exchange(response, call, config, nanoTime,
                        boundedByDeadline ? deadline : null, timedOut, boundedByDeadline ? call.deadline() : 0,
                        attempt, () -> closed));
            }
            return failed(call, response, status);
        } catch (PolicyDnsResolver.Refused refused) {
            HttpTracing.failed(span, refused);
            span = null;
            metrics.attempt(request.getMethod(), guard.authority, call.target().uriTemplate(), 0, "REFUSED",
                    nanoTime.getAsLong() - attemptStart);
            // The host was never reached: its breaker gets the permission back rather than a failure.
            guard.releaseBreaker();
            return new Attempt(null, new DisallowedAddressException(config.name(), guard.authority, refused.address,
                    refused.reason, null), false, true, null);
        } catch (IOException e) {
            HttpTracing.failed(span, e);
            span = null;
            long elapsed = nanoTime.getAsLong() - attemptStart;
            if (!timedOut.get() && (closed || Thread.currentThread().isInterrupted())) {
                // The caller's thread was interrupted (a cancelled batch, a stopping service: the JDK closes the
                // socket under a blocked read) or the client was closed under the call. The host did nothing
                // wrong, so its breaker gets the permission back instead of a failure, and nothing is retried.
                metrics.attempt(request.getMethod(), guard.authority, call.target().uriTemplate(), 0,
                        closed ? "CLOSED" : "INTERRUPTED", elapsed);
                guard.releaseBreaker();
                if (closed) {
                    return clientClosed(call);
                }
                return new Attempt(null, TransportFailures.interrupted(config.name(), guard.authority,
                        "waiting for the response"), false, false, null);
            }
            metrics.attempt(request.getMethod(), guard.authority, call.target().uriTemplate(), 0,
                    timedOut.get() || e instanceof SocketTimeoutException ? "TIMEOUT" : "IO_ERROR", elapsed);
            guard.onFailure(elapsed, e);
            if (timedOut.get() || nanoTime.getAsLong() - call.deadline() >= 0) {
                return deadlineExceeded(call, e);
            }
            boolean neverSent = TransportFailures.neverSent(e);
            ApiException failure = TransportFailures.of(config, guard.authority, e, neverSent);
            return new Attempt(null, failure, failure.retryable(), neverSent, null);
        } catch (RuntimeException e) {
            HttpTracing.failed(span, e);
            span = null;
            guard.releaseBreaker();
            throw e;
        } finally {
            if (!handedOver) {
                release(response, deadline, guard);
            }
        }
    }

    private Attempt clientClosed(Call call) {
        return new Attempt(null, new ApiConnectException(config.name(), call.guard().authority, "client_closed",
                "the client was closed while the call was under way", null, false), false, false, null);
    }

    private Attempt deadlineExceeded(Call call, @Nullable IOException cause) {
        return new Attempt(null, new ApiTimeoutException(config.name(), call.guard().authority, "deadline_exceeded",
                "no complete answer within " + call.budgetMillis() + " ms", cause), false, false, null);
    }

    /** The failure for an error status: 429 and 502/503/504 are worth retrying, honouring a Retry-After. */
    private Attempt failed(Call call, ClassicHttpResponse response, int status) {
        String host = call.guard().authority;
        Duration retryAfter = RetryAfter.parse(header(response, "Retry-After"), clock);
        String excerpt = excerpt(response);
        ApiException failure = status == 429
                ? new RateLimitedException(config.name(), host, retryAfter == null ? Duration.ofSeconds(1) : retryAfter,
                        call.request().method() + " " + call.target().uriTemplate() + " answered 429", true)
                : new UpstreamException(config.name(), host, call.request().method().name(),
                        call.target().uriTemplate(), status, excerpt, retryAfter);
        boolean retryable = status == 429 || status == 502 || status == 503 || status == 504;
        return new Attempt(null, failure, retryable, false, retryAfter);
    }

    private HttpUriRequestBase buildRequest(Call call, int attempt, @Nullable String ifNoneMatch) {
        HttpUriRequestBase request = new HttpUriRequestBase(call.request().method().name(), call.target().uri());
        AuthConfig auth = config.auth();
        boolean sameHost = call.target().authority().equals(baseAuthority);
        // Credentials go only to the configured API, never to another allowed host: those among the default
        // headers too (a token set as "Authorization: token ..."), which the auth settings then override.
        if (sameHost) {
            config.defaultHeaders().forEach((name, value) -> {
                if (Headers.credential(config, name)) {
                    request.setHeader(name, value);
                }
            });
        }
        if (sameHost && !auth.bearerToken().isEmpty()) {
            request.setHeader("Authorization", "Bearer " + auth.bearerToken().reveal());
        }
        if (sameHost && !auth.apiKey().isEmpty()) {
            request.setHeader(auth.apiKeyHeader(), auth.apiKey().reveal());
        }
        if (!config.pool().keepAlive()) {
            request.setHeader("Connection", "close");
        }
        request.setHeader("Accept", "application/json, */*;q=0.5");
        for (Map.Entry<String, String> header : call.request().headers()) {
            request.setHeader(header.getKey(), header.getValue());
        }
        String idempotencyKey = call.idempotencyKey();
        if (idempotencyKey != null) {
            request.setHeader("Idempotency-Key", idempotencyKey);
        }
        if (ifNoneMatch != null) {
            request.setHeader("If-None-Match", ifNoneMatch);
        }
        if (attempt > 1) {
            request.setHeader("X-Retry-Attempt", Integer.toString(attempt - 1));
        }
        RequestBody body = call.body();
        byte[] json = call.jsonBody();
        if (body instanceof RequestBody.Json && json != null) {
            request.setEntity(new ByteArrayEntity(json, ContentType.APPLICATION_JSON));
        } else if (body instanceof RequestBody.Bytes(byte[] bytes, String contentType)) {
            request.setEntity(new ByteArrayEntity(bytes, ContentType.parse(contentType)));
        } else if (body instanceof RequestBody.Form(Multipart multipart)) {
            MultipartEntityBuilder form = MultipartEntityBuilder.create().setMode(HttpMultipartMode.EXTENDED);
            for (Multipart.Part part : multipart.parts()) {
                switch (part) {
                    case Multipart.Field field -> form.addTextBody(field.name(), field.value(),
                            ContentType.parse(field.contentType()).withCharset(StandardCharsets.UTF_8));
                    case Multipart.FilePart file -> form.addBinaryBody(file.name(), file.path().toFile(),
                            ContentType.parse(file.contentType()), file.filename());
                }
            }
            request.setEntity(form.build());
        }
        return request;
    }

    private static RequestConfig requestConfig(long responseMillis, long leaseMillis) {
        return RequestConfig.custom()
                .setResponseTimeout(Timeout.ofMilliseconds(Math.max(1, responseMillis)))
                .setConnectionRequestTimeout(Timeout.ofMilliseconds(Math.max(1, leaseMillis)))
                .setRedirectsEnabled(false)
                .build();
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
            return new String(head, StandardCharsets.UTF_8);
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

    private void release(@Nullable ClassicHttpResponse response, ScheduledFuture<?> deadline, HostGuard guard) {
        deadline.cancel(false);
        if (response != null) {
            try {
                response.close();
            } catch (IOException e) {
                log.atDebug().setMessage("closing a response failed").addKeyValue("api_client", config.name()).log();
            }
        }
        guard.releaseBulkhead();
    }

    private static @Nullable String header(ClassicHttpResponse response, String name) {
        Header header = response.getFirstHeader(name);
        return header == null ? null : header.getValue();
    }

    /** Stops the deadline timer; attempts still running or starting fail with {@code client_closed}. */
    @Override
    public void close() {
        closed = true;
        watchdog.shutdownNow();
    }
}
