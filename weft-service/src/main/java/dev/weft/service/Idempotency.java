package dev.weft.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.service.data.IdempotencyRepository;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code Idempotency-Key} handling for POST endpoints: the first request with a key claims it and its answer is
 * stored; a later request with the same key (same caller, within 24 h) gets the same status and body without the
 * action running again, or 422 {@code idempotency_mismatch} if its body differs. A request that fails releases the
 * key, so a retry runs again (a failed request changed nothing). While the first request runs, a second one gets
 * 409 {@code idempotency_in_progress}.
 *
 * <p>Thread-safe.
 */
public final class Idempotency {
    /** The longest key accepted. */
    public static final int MAX_KEY_LENGTH = 255;

    private final IdempotencyRepository records;
    private final Json json;

    /** @param context the service context */
    public Idempotency(ServiceContext context) {
        this.records = context.idempotency();
        this.json = context.json();
    }

    /**
     * An endpoint's answer.
     *
     * @param status the status
     * @param body the JSON body
     * @param headers extra response headers (e.g. {@code Location})
     */
    public record Answer(int status, Object body, Map<String, String> headers) {
        /** Copies the headers. */
        public Answer {
            Objects.requireNonNull(body, "body");
            headers = Map.copyOf(headers);
        }
    }

    /**
     * Runs {@code action} once per idempotency key, or at once when the request has none, and sends its answer.
     *
     * @param exchange the request
     * @param action does the work and returns the answer; reads the body through the exchange
     */
    public void run(Exchange exchange, Supplier<Answer> action) {
        Optional<String> key = exchange.header("Idempotency-Key");
        if (key.isEmpty()) {
            send(exchange, action.get(), false);
            return;
        }
        String value = key.get();
        if (value.isEmpty() || value.length() > MAX_KEY_LENGTH || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw ProblemException.invalidField("Idempotency-Key", "must be 1 to 255 visible ASCII characters");
        }
        String scope = exchange.principal().scope();
        String hash = hash(exchange);
        Optional<IdempotencyRepository.Entry> existing = records.claim(scope, value, hash);
        if (existing.isPresent()) {
            IdempotencyRepository.Entry entry = existing.get();
            if (!entry.requestHash().equals(hash)) {
                throw ProblemException.of(422, "idempotency_mismatch",
                        "this Idempotency-Key was used with a different request");
            }
            if (entry.status() == 0 || entry.body() == null) {
                throw ProblemException.of(409, "idempotency_in_progress",
                        "a request with this Idempotency-Key is still running; retry later");
            }
            JsonNode stored = json.readTree(entry.body().getBytes(StandardCharsets.UTF_8));
            Map<String, String> headers = new LinkedHashMap<>();
            stored.path("headers").properties().forEach(header -> headers.put(header.getKey(),
                    header.getValue().asText()));
            headers.put("Idempotent-Replayed", "true");
            send(exchange, new Answer(entry.status(), stored.get("body"), headers), true);
            return;
        }
        Answer answer;
        try {
            answer = action.get();
        } catch (RuntimeException | Error failure) {
            records.release(scope, value);
            throw failure;
        }
        ObjectNode stored = json.mapper().createObjectNode();
        stored.set("headers", json.mapper().valueToTree(answer.headers()));
        stored.set("body", json.mapper().valueToTree(answer.body()));
        records.complete(scope, value, answer.status(), new String(json.write(stored), StandardCharsets.UTF_8));
        send(exchange, answer, false);
    }

    private static void send(Exchange exchange, Answer answer, boolean replayed) {
        answer.headers().forEach(exchange::responseHeader);
        exchange.send(answer.status(), answer.body());
    }

    private static String hash(Exchange exchange) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((exchange.request().prologue().method().text() + " " + exchange.request().path().rawPath()
                    + "\n").getBytes(StandardCharsets.UTF_8));
            digest.update(exchange.body());
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
