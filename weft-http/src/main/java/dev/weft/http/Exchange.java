package dev.weft.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open response of a successful attempt, with the host's bulkhead permit; {@link #close()} releases both.
 * Reading the body to the end lets the connection be reused; an unread body drops it. With a deadline, a body
 * trickled slower than the call allows ends there. Used by one thread at a time; {@link #close()} is idempotent.
 */
final class Exchange {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    final int status;
    final Map<String, List<String>> headers;
    final int attempts;
    private final ClassicHttpResponse response;
    private final Call call;
    private final ApiConfig config;
    private final LongSupplier nanoTime;
    private final AtomicBoolean timedOut;
    private final @Nullable ScheduledFuture<?> deadline;
    private final long bodyDeadline;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile boolean bodyRead;
    /** Whether the client was closed, which closes the connection under a body still being read. */
    private final BooleanSupplier clientClosed;

    /**
     * @param deadline the attempt's timer, which aborts the body read at the call's deadline, or {@code null}
     *     when the deadline ended with the head
     * @param bodyDeadline the nano time at which body reads fail, or 0 for none
     */
    Exchange(ClassicHttpResponse response, Call call, ApiConfig config, LongSupplier nanoTime,
            @Nullable ScheduledFuture<?> deadline, AtomicBoolean timedOut, long bodyDeadline, int attempts,
            BooleanSupplier clientClosed) {
        this.response = response;
        this.status = response.getCode();
        this.headers = headersOf(response);
        this.call = call;
        this.config = config;
        this.nanoTime = nanoTime;
        this.deadline = deadline;
        this.timedOut = timedOut;
        this.bodyDeadline = bodyDeadline;
        this.attempts = attempts;
        this.clientClosed = clientClosed;
    }

    /** The body; reading it to the end marks the connection reusable. */
    InputStream body() throws IOException {
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            bodyRead = true;
            return InputStream.nullInputStream();
        }
        return new FilterInputStream(entity.getContent()) {
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

    /**
     * Reads the whole body into memory, up to {@code max-response-bytes}.
     *
     * @throws ResponseFormatException if the body is over the limit
     * @throws ApiTimeoutException if the call's deadline passes while reading
     * @throws ApiException if the connection fails while reading
     */
    byte[] readAll() {
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            bodyRead = true;
            return new byte[0];
        }
        String host = call.target().authority();
        long limit = config.maxResponseBytes();
        if (entity.getContentLength() > limit) {
            throw new ResponseFormatException(config.name(), host, "response_too_large",
                    "response body of " + entity.getContentLength() + " bytes is over the limit of " + limit
                            + "; stream or download it", null);
        }
        try {
            InputStream in = body();
            long declared = entity.getContentLength();
            byte[] body = declared >= 0 ? in.readNBytes((int) declared + 1)
                    : in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                throw new ResponseFormatException(config.name(), host, "response_too_large",
                        "response body is over the limit of " + limit + " bytes; stream or download it", null);
            }
            bodyRead = true;
            return body;
        } catch (IOException e) {
            throw readFailure(e);
        }
    }

    /** The body for a caller to read: its read failures are weft-http's exceptions (see {@link #readFailure}). */
    InputStream callerBody() throws IOException {
        return new TranslatingInputStream(body(), this::readFailure);
    }

    /**
     * What a failed body read means: the call's deadline passed, the client was closed, the reader was interrupted,
     * else a broken connection, a read timeout or a body that does not decode.
     */
    ApiException readFailure(IOException e) {
        String host = call.target().authority();
        if (timedOut.get()) {
            return new ApiTimeoutException(config.name(), host, "deadline_exceeded",
                    "body not complete within " + call.budgetMillis() + " ms", e);
        }
        if (clientClosed.getAsBoolean()) {
            return new ApiConnectException(config.name(), host, "client_closed",
                    "the client was closed while the body was being read", e, false);
        }
        if (Thread.currentThread().isInterrupted()) {
            // The JDK closed the socket under the reader's interrupted thread: no connection fault.
            return TransportFailures.interrupted(config.name(), host, "reading the response body");
        }
        return TransportFailures.ofBody(config, host, e);
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
            log.atDebug().setMessage("closing a response failed").addKeyValue("api_client", config.name()).log();
        } finally {
            call.guard().releaseBulkhead();
        }
    }

    /**
     * A read that starts after the deadline fails at once, without waiting for the timer to abort the connection
     * (it may run a little late); a read blocked at the deadline is the timer's.
     */
    private void checkDeadline() throws IOException {
        if (bodyDeadline != 0 && nanoTime.getAsLong() - bodyDeadline >= 0) {
            timedOut.set(true);
            throw new InterruptedIOException("deadline passed while reading the body");
        }
    }

    static Map<String, List<String>> headersOf(ClassicHttpResponse response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header header : response.getHeaders()) {
            headers.computeIfAbsent(header.getName().toLowerCase(Locale.ROOT), name -> new ArrayList<>(1))
                    .add(header.getValue());
        }
        return headers;
    }
}
