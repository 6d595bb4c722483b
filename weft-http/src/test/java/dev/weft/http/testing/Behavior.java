package dev.weft.http.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a {@link FaultServer} route does with a request. The static factories cover the usual answers and
 * faults; a test can also write its own as a lambda over the {@link Exchange}.
 *
 * {@snippet :
 * server.route("GET", "/items/*", Behavior.faults(42, 0.3, Behavior.json(200, "{\"ok\":true}"),
 *         Behavior.status(503), Behavior.reset()));
 * }
 *
 * <p>The factories' behaviors are thread-safe (the stateful ones, {@link #sequence} and {@link #faults},
 * synchronize); one instance may serve many connections at once.
 */
@FunctionalInterface
public interface Behavior {

    /** Content type of JSON answers. */
    String JSON = "application/json";

    /**
     * Answers one request: reads what it needs from the exchange and sends one response or resets.
     * Runs on the connection's virtual thread and may block (sleep, trickle).
     *
     * @param exchange the request and its response
     * @throws IOException when the connection fails
     */
    void respond(Exchange exchange) throws IOException;

    /**
     * Chooses the behavior that will answer this request, before the server counts it as received.
     * Stateful composites ({@link #sequence}, {@link #faults}) pick here, so that a picked
     * {@link #resetBeforeRequest()} resets before the request counts.
     *
     * @param head the request head (body size -1)
     * @return the behavior to run; this one by default
     */
    default Behavior select(RecordedRequest head) {
        return this;
    }

    /**
     * A JSON answer.
     *
     * @param status the status code
     * @param body the JSON text, sent as is (UTF-8)
     * @return the behavior
     */
    static Behavior json(int status, String body) {
        return new Behaviors.Fixed(status, JSON, body, Map.of());
    }

    /**
     * A plain-text answer ({@code text/plain; charset=utf-8}).
     *
     * @param status the status code
     * @param body the text
     * @return the behavior
     */
    static Behavior text(int status, String body) {
        return new Behaviors.Fixed(status, "text/plain; charset=utf-8", body, Map.of());
    }

    /**
     * An answer of any content type.
     *
     * @param status the status code
     * @param contentType the Content-Type header
     * @param body the body text (UTF-8)
     * @return the behavior
     */
    static Behavior body(int status, String contentType, String body) {
        return new Behaviors.Fixed(status, contentType, body, Map.of());
    }

    /**
     * An answer with a status and an empty body.
     *
     * @param status the status code
     * @return the behavior
     */
    static Behavior status(int status) {
        return new Behaviors.Fixed(status, null, "", Map.of());
    }

    /**
     * An answer with a status, headers and an empty body.
     *
     * @param status the status code
     * @param headers response headers
     * @return the behavior
     */
    static Behavior status(int status, Map<String, String> headers) {
        return new Behaviors.Fixed(status, null, "", headers);
    }

    /**
     * A 429 or 503 with {@code Retry-After: seconds} and a small JSON problem body.
     *
     * @param status 429 or 503
     * @param seconds the Retry-After delay, {@code >= 0}
     * @return the behavior
     */
    static Behavior retryAfter(int status, long seconds) {
        if (status != 429 && status != 503) {
            throw new IllegalArgumentException("retryAfter status must be 429 or 503, was " + status);
        }
        if (seconds < 0) {
            throw new IllegalArgumentException("seconds must be >= 0, was " + seconds);
        }
        return new Behaviors.Fixed(status, JSON, "{\"status\":" + status + ",\"retryAfter\":" + seconds + "}",
                Map.of("Retry-After", Long.toString(seconds)));
    }

    /**
     * Reads the whole request, then resets the connection (SO_LINGER 0): the request reached the server
     * and counts as received; the client sees a connection reset instead of a response.
     *
     * @return the behavior
     */
    static Behavior reset() {
        return Behaviors.Reset.INSTANCE;
    }

    /**
     * Resets the connection before the request reaches the server logic: it is not counted as received
     * (no total, route or Idempotency-Key count, no recording) but as {@link FaultServer#notReceived()}.
     * Takes effect when it is the route's behavior or picked by {@link #sequence}/{@link #faults}; nested
     * inside another behavior (e.g. {@link #delay}) it acts like {@link #reset()}. For a reset right at
     * accept time, before a byte is read, see {@link FaultServer#resetNextConnections(int)}.
     *
     * @return the behavior
     */
    static Behavior resetBeforeRequest() {
        return Behaviors.ResetBeforeRequest.INSTANCE;
    }

    /**
     * Waits, then behaves like {@code then}. The request counts as received before the wait.
     *
     * @param delay how long to wait before answering
     * @param then the answer after the wait
     * @return the behavior
     */
    static Behavior delay(Duration delay, Behavior then) {
        return new Behaviors.Delay(delay, then);
    }

    /**
     * A 200 whose body is sent slowly: {@code chunkSize} bytes, flush, sleep {@code interval}, repeat.
     * The Content-Length is announced up front.
     *
     * @param body the body
     * @param chunkSize bytes per write, {@code >= 1}
     * @param interval pause between writes
     * @return the behavior
     */
    static Behavior trickle(byte[] body, int chunkSize, Duration interval) {
        return new Behaviors.Trickle(body, chunkSize, interval);
    }

    /**
     * A 200 whose head is sent slowly: the status line at once, then {@code headerLines} filler header lines
     * ({@code X-Trickle-1: 1}, ...), one every {@code interval}, then the Content-Length and the body. Each line
     * arrives well within a read timeout longer than {@code interval}, so only a deadline on the whole wait for
     * the head ends it early.
     *
     * @param headerLines filler header lines, {@code >= 0}
     * @param interval pause before each filler line
     * @param body the body text (UTF-8), sent at once after the head
     * @return the behavior
     */
    static Behavior trickledHead(int headerLines, Duration interval, String body) {
        return new Behaviors.TrickledHead(headerLines, interval, body);
    }

    /**
     * A 200 {@code application/x-ndjson} body sent with {@code Transfer-Encoding: chunked}, one chunk per list
     * element, flushed, with {@code interval} between chunks. For NDJSON and SSE streaming tests.
     *
     * @param chunks the chunks' text, in order (UTF-8)
     * @param interval pause between chunks
     * @return the behavior
     */
    static Behavior chunked(List<String> chunks, Duration interval) {
        return new Behaviors.Chunked("application/x-ndjson", chunks, interval);
    }

    /**
     * Like {@link #chunked(List, Duration)} with a chosen content type (e.g. {@code text/event-stream}).
     *
     * @param contentType the Content-Type header
     * @param chunks the chunks' text, in order
     * @param interval pause between chunks
     * @return the behavior
     */
    static Behavior chunked(String contentType, List<String> chunks, Duration interval) {
        return new Behaviors.Chunked(contentType, chunks, interval);
    }

    /**
     * Sends the answer of {@code behavior} gzip-encoded ({@code Content-Encoding: gzip}) whatever the request's
     * Accept-Encoding says. Fixed bodies keep a Content-Length; streamed bodies become chunked.
     *
     * @param behavior the answer to compress
     * @return the behavior
     */
    static Behavior gzip(Behavior behavior) {
        return new Behaviors.Gzip(behavior);
    }

    /**
     * A gzip-encoded 200 JSON answer.
     *
     * @param jsonBody the JSON text before compression
     * @return the behavior
     */
    static Behavior gzip(String jsonBody) {
        return gzip(json(200, jsonBody));
    }

    /**
     * A 200 {@code application/octet-stream} body of {@code size} bytes of {@link BigBody}'s pattern, streamed
     * with a Content-Length and never held in memory. {@link BigBody#sha256Hex(long)} gives its hash.
     *
     * @param size body length in bytes
     * @return the behavior
     */
    static Behavior bigBody(long size) {
        return new Behaviors.BigBodyBehavior(size);
    }

    /**
     * Consumes the request body as a stream and answers 200
     * {@code {"bytes":N,"sha256":"...","parts":[...]}}: the whole body's size and SHA-256 and, for
     * {@code multipart/form-data}, each part's name, filename, size and SHA-256 (content only). Constant
     * memory, so a 1 GiB upload works with a small heap.
     *
     * @return the behavior
     */
    static Behavior sink() {
        return Behaviors.Sink.INSTANCE;
    }

    /**
     * Answers 200 JSON describing the request: {@code method}, {@code path}, {@code query}, {@code headers}
     * (name to list of values) and {@code body} as UTF-8 text. For small bodies.
     *
     * @return the behavior
     */
    static Behavior echo() {
        return Behaviors.Echo.INSTANCE;
    }

    /**
     * The nth request gets the nth behavior; once they are used up, the last one repeats.
     *
     * @param behaviors at least one behavior
     * @return the behavior, with its own counter
     */
    static Behavior sequence(Behavior... behaviors) {
        return new Behaviors.Sequence(List.of(behaviors));
    }

    /**
     * Seeded random faults: each request draws from a {@link java.util.Random} seeded with {@code seed}; with
     * probability {@code rate} it gets one of {@code faults} (uniformly), otherwise {@code normal}. The same
     * seed and request order give the same answers.
     *
     * @param seed the random seed (print it when a test fails)
     * @param rate probability of a fault, 0 to 1
     * @param normal the answer without a fault
     * @param faults the faults to pick from, at least one
     * @return the behavior, with its own random source
     */
    static Behavior faults(long seed, double rate, Behavior normal, Behavior... faults) {
        return new Behaviors.Faults(seed, rate, normal, List.of(faults));
    }

    /**
     * A 200 JSON {@code body} with {@code ETag} and {@code Cache-Control} headers, or a 304 (no body, same
     * headers) when the request's If-None-Match lists the tag (weak comparison) or is {@code *}.
     *
     * @param etag the entity tag, quoted as it goes on the wire, e.g. {@code "\"v1\""}
     * @param body the JSON body
     * @param cacheControl the Cache-Control value, e.g. {@code max-age=60}; empty for none
     * @return the behavior
     */
    static Behavior etag(String etag, String body, String cacheControl) {
        return new Behaviors.Etag(etag, body, cacheControl);
    }

    /**
     * Adds headers to whatever {@code behavior} answers.
     *
     * @param headers the headers to add
     * @param behavior the answer
     * @return the behavior
     */
    static Behavior withHeaders(Map<String, String> headers, Behavior behavior) {
        return new Behaviors.WithHeaders(headers, behavior);
    }
}
