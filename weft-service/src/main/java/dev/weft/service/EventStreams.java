package dev.weft.service;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What every Server-Sent Events answer of the service shares ({@code /events}, {@code /videos/{video_id}/events},
 * {@code /admin/dashboard/stream}): how the answer starts, the heartbeat comment, the longest a stream lives, and
 * the check that the caller's key still holds while a stream is open.
 *
 * <p>Stateless and thread-safe; a {@link Caller} is thread-safe too.
 */
public final class EventStreams {
    /** The media type of the streams. */
    public static final String EVENT_STREAM = "text/event-stream";
    /** The longest a stream runs before it ends and its client reconnects (and authenticates again). */
    public static final Duration MAX_LIFETIME = Duration.ofMinutes(15);
    private static final byte[] HEARTBEAT = ":\n\n".getBytes(StandardCharsets.US_ASCII);

    private EventStreams() {
    }

    /**
     * Starts a {@code 200 text/event-stream} answer that no cache or proxy holds back.
     *
     * @param exchange the request
     * @return the open body stream; closing it ends the answer
     */
    public static OutputStream start(Exchange exchange) {
        exchange.responseHeader("Cache-Control", "no-store");
        // nginx buffers proxied answers unless told not to, which would hold events back
        exchange.responseHeader("X-Accel-Buffering", "no");
        return exchange.stream(200, EVENT_STREAM);
    }

    /**
     * Writes a comment line, which keeps proxies and clients from treating a quiet stream as dead.
     *
     * @param out the stream
     * @throws IOException if the client went away
     */
    public static void heartbeat(OutputStream out) throws IOException {
        out.write(HEARTBEAT);
        out.flush();
    }

    /**
     * @param exchange the request that opens a stream (already authenticated)
     * @param apiKeys the keys
     * @return its caller, to check again while the stream runs
     */
    public static Caller caller(Exchange exchange, ApiKeys apiKeys) {
        return new Caller(exchange, Objects.requireNonNull(apiKeys, "apiKeys"));
    }

    /**
     * A stream's caller, checked again while the stream runs: its key must still resolve (through the cached
     * key-to-principal lookup that rotating the key, deactivating or deleting the user drop) to the principal the
     * stream began with.
     */
    public static final class Caller {
        // the key's hash, taken once: each check looks it up again, and the key itself is not kept for the
        // stream's life
        private final ApiKeys.@Nullable PresentedKey key;
        private final Principal principal;
        private final ApiKeys apiKeys;

        private Caller(Exchange exchange, ApiKeys apiKeys) {
            this.apiKeys = apiKeys;
            this.principal = exchange.principal();
            // the same headers, in the same order, as the authentication of a request reads
            this.key = exchange.header("X-API-Key")
                    .or(() -> exchange.header("Authorization")
                            .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                            .map(value -> value.substring(7).strip()))
                    .flatMap(ApiKeys::present)
                    .orElse(null);
        }

        /** @return whether the key still belongs to the same principal; {@code false} also when that cannot be told */
        public boolean stillValid() {
            if (key == null) {
                return false;
            }
            try {
                return apiKeys.authenticate(key).map(principal::equals).orElse(false);
            } catch (RuntimeException e) {
                // the lookup failed (the database is away): end the stream, its client reconnects and is checked anew
                return false;
            }
        }
    }
}
