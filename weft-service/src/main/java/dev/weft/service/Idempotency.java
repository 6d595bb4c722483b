package dev.weft.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.core.ConflictException;
import dev.weft.service.data.IdempotencyRepository;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Idempotency-Key} handling, the one implementation behind every idempotent POST ({@code /users},
 * {@code /users/batch}, {@code /transfer}, {@code /process-video}, {@code /webhooks}). The first request with a key
 * claims it and its answer is stored; a later request with the same key (same caller, within 24 h) and the same
 * request fingerprint gets the same status, headers and body without the action running again, or 422
 * {@code idempotency_mismatch} if its fingerprint differs. A request that fails releases the key, so a retry runs
 * again (a failed request changed nothing). While the first request runs, a second one gets 409
 * {@code idempotency_in_progress}. A request whose work succeeded but whose answer could not be stored (too large for
 * the database, or the database went away in between) still gets its answer; a repeat of its key then gets 409
 * {@code idempotency_answer_lost} until it expires (or {@code idempotency_in_progress} if even that mark could not be
 * stored), never the work a second time.
 *
 * <p>The fingerprint is the caller's business: a JSON endpoint hashes its method, path and the body's canonical
 * form ({@link #fingerprint(Json, String, String, byte[])}: names sorted, no whitespace, numbers exact); an upload
 * hashes what it stored (owner, file name, the file's SHA-256, options), so the multipart framing does not count.
 *
 * <p>Thread-safe.
 */
public final class Idempotency {
    /** The longest key accepted. */
    public static final int MAX_KEY_LENGTH = 255;
    /** The request header that carries the key. */
    public static final String HEADER = "Idempotency-Key";
    private static final HeaderName HEADER_NAME = HeaderNames.create(HEADER);
    /** The response header a replayed answer carries. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private static final Logger LOG = LoggerFactory.getLogger(Idempotency.class);

    private final IdempotencyRepository records;
    private final Json json;

    /**
     * @param records where claims and answers are stored
     * @param json the mapper the stored answers are written with
     */
    public Idempotency(IdempotencyRepository records, Json json) {
        this.records = Objects.requireNonNull(records, "records");
        this.json = Objects.requireNonNull(json, "json");
    }

    /**
     * An idempotent request: who asks, with which key (if any), and what it asks for.
     *
     * @param scope the caller ({@link Principal#scope()}): keys of different callers never meet
     * @param key the {@code Idempotency-Key}, already checked by {@link #key(Optional)}, or {@code null}
     * @param fingerprint what the request asks for, e.g. a SHA-256 of method, path and body
     */
    public record Request(String scope, @Nullable String key, String fingerprint) {
        /** Checks the parts are present. */
        public Request {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(fingerprint, "fingerprint");
        }
    }

    /**
     * An action's answer, stored for replays.
     *
     * @param status the status
     * @param body the JSON body
     * @param headers response headers (e.g. {@code Location}); a replay adds {@code Idempotent-Replayed: true}
     */
    public record Answer(int status, Object body, Map<String, String> headers) {
        /** Copies the headers, keeping their order. */
        public Answer {
            Objects.requireNonNull(body, "body");
            headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        }

        /** @return whether this is a stored answer replayed for a repeated key (the action did not run) */
        public boolean replayed() {
            return headers.containsKey(REPLAYED_HEADER);
        }
    }

    /**
     * Work done once per key.
     *
     * @param <X> the checked exception it may throw
     */
    @FunctionalInterface
    public interface Action<X extends Exception> {
        /**
         * @return the answer to store and send
         * @throws X if the work fails (the key is released)
         */
        Answer run() throws X;
    }

    /**
     * Reads and checks a request's {@code Idempotency-Key}: sent twice, it is refused, since either could be meant.
     *
     * @param exchange the request
     * @return the key, if sent
     * @throws ProblemException 400 {@code validation_failed} naming the header if it is sent more than once or is not
     *     1 to 255 visible ASCII characters
     */
    public static Optional<String> key(Exchange exchange) {
        Optional<Header> header = exchange.request().headers().find(HEADER_NAME);
        if (header.isPresent() && header.get().allValues(false).size() > 1) {
            throw ProblemException.invalidField(HEADER, "must be sent once");
        }
        return key(header.map(Header::get));
    }

    /**
     * Checks an {@code Idempotency-Key} header.
     *
     * @param header the header's value, if sent
     * @return the key, if sent
     * @throws ProblemException 400 {@code validation_failed} unless it is 1 to 255 visible ASCII characters
     */
    public static Optional<String> key(Optional<String> header) {
        header.ifPresent(value -> {
            if (value.isEmpty() || value.length() > MAX_KEY_LENGTH
                    || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw ProblemException.invalidField(HEADER, "must be 1 to 255 visible ASCII characters");
            }
        });
        return header;
    }

    /**
     * The key (checked), the caller and the fingerprint of a JSON POST: method, path and the body's canonical form.
     * Only a request with a key pays for that parse; a malformed body is refused here with the 400 the action would
     * give, before the key is claimed.
     *
     * @param exchange the request
     * @return what {@link #run} needs to know of it
     * @throws ProblemException 400 for a malformed key or body
     */
    public static Request request(Exchange exchange) {
        Optional<String> key = key(exchange);
        String fingerprint = key.isEmpty() ? "" : fingerprint(exchange.json(),
                exchange.request().prologue().method().text(), exchange.request().path().rawPath(), exchange.body());
        return new Request(exchange.principal().scope(), key.orElse(null), fingerprint);
    }

    /**
     * Sends an answer, first or replayed: its headers, status and body.
     *
     * @param exchange the request
     * @param answer the answer
     */
    public static void send(Exchange exchange, Answer answer) {
        answer.headers().forEach(exchange::responseHeader);
        exchange.send(answer.status(), answer.body());
    }

    /**
     * The fingerprint of a JSON request, by what it asks and not how it is spelled: the same JSON with its names in
     * another order or other whitespace (another client library, a proxy that re-serialises) is the same request, as
     * Stripe compares parameters rather than bytes. Costs a parse of the body, so call it only for a request that
     * sent a key.
     *
     * @param json the service's JSON reader, which also reads the body for the action
     * @param method the HTTP method
     * @param path the raw path
     * @param body the request body
     * @return SHA-256 over {@code "<method> <path>\n"} and the body's {@link Json#canonical canonical form}
     * @throws ProblemException 400 if the body is not JSON the service would read (the action would refuse it too)
     */
    public static String fingerprint(Json json, String method, String path, byte[] body) {
        byte[] canonical = json.canonical(body);
        MessageDigest digest = sha256();
        digest.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
        digest.update(canonical);
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * @param text what identifies the request
     * @return its SHA-256, hex
     */
    public static String fingerprint(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Runs {@code action} once per key, or at once when the request has none. Call it outside any transaction: the
     * claim and the stored answer are statements of their own, and the action commits its own work.
     *
     * @param request the caller, key and fingerprint
     * @param action does the work
     * @param <X> the checked exception the action may throw
     * @return the action's answer (also when it could not be stored: see the class comment), or the stored one (with
     *     {@code Idempotent-Replayed: true}) for a repeat
     * @throws X if the action fails; the key is released first
     * @throws ProblemException 422 {@code idempotency_mismatch} for a key used with another fingerprint
     * @throws ConflictException {@code idempotency_in_progress} while the first request with the key runs;
     *     {@code idempotency_answer_lost} for a key whose work was done but whose answer could not be kept
     */
    public <X extends Exception> Answer run(Request request, Action<X> action) throws X {
        String key = request.key();
        if (key == null) {
            return action.run();
        }
        Optional<IdempotencyRepository.Entry> existing = records.claim(request.scope(), key, request.fingerprint());
        if (existing.isPresent()) {
            return replay(existing.get(), request.fingerprint());
        }
        Answer answer;
        try {
            answer = action.run();
        } catch (Exception | Error failure) {
            records.release(request.scope(), key);
            throw failure;
        }
        try {
            ObjectNode stored = json.mapper().createObjectNode();
            stored.set("headers", json.mapper().valueToTree(answer.headers()));
            stored.set("body", json.mapper().valueToTree(answer.body()));
            records.complete(request.scope(), key, answer.status(),
                    new String(json.write(stored), StandardCharsets.UTF_8));
        } catch (RuntimeException notKept) {
            // the work is done: its answer goes out rather than an error that says nothing was done, and the key
            // stays claimed, so a repeat is told the answer is lost instead of doing the work twice
            answerLost(request, answer, notKept);
        }
        return answer;
    }

    private void answerLost(Request request, Answer answer, RuntimeException notKept) {
        boolean marked;
        try {
            records.answerLost(request.scope(), Objects.requireNonNull(request.key()));
            marked = true;
        } catch (RuntimeException alsoFailed) {
            notKept.addSuppressed(alsoFailed);
            marked = false;
        }
        // the scope and key let an operator find the record; neither is a secret (the scope is a principal's id)
        LOG.atError().setCause(notKept).addKeyValue("status", answer.status()).addKeyValue("scope", request.scope())
                .addKeyValue("idempotency_key", request.key()).addKeyValue("marked", marked)
                .log(marked ? "an idempotent request's answer could not be stored; a repeat of its key gets 409"
                        + " idempotency_answer_lost for 24 h" : "an idempotent request's answer could not be stored;"
                        + " a repeat of its key gets 409 idempotency_in_progress for 24 h");
    }

    private Answer replay(IdempotencyRepository.Entry entry, String fingerprint) {
        if (!entry.requestHash().equals(fingerprint)) {
            // 422 has no ErrorKind: the key is fine and nothing conflicts, the request under it changed
            throw ProblemException.of(422, "idempotency_mismatch",
                    "this Idempotency-Key was used with a different request");
        }
        String body = entry.body();
        if (entry.status() == IdempotencyRepository.ANSWER_LOST) {
            throw new ConflictException("idempotency_answer_lost", "the request with this Idempotency-Key was done,"
                    + " but its answer could not be kept; read back what it did instead of repeating it");
        }
        if (entry.status() == 0 || body == null) {
            throw new ConflictException("idempotency_in_progress",
                    "a request with this Idempotency-Key is still running; retry later");
        }
        JsonNode stored = json.readTree(body.getBytes(StandardCharsets.UTF_8));
        Map<String, String> headers = new LinkedHashMap<>();
        stored.path("headers").properties().forEach(header -> headers.put(header.getKey(),
                header.getValue().asText()));
        headers.put(REPLAYED_HEADER, "true");
        return new Answer(entry.status(), Objects.requireNonNull(stored.get("body"), "stored body"), headers);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
