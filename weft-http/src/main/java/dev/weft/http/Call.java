package dev.weft.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.weft.core.InvalidInputException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A call being made: its checked target, host guard, deadline and body, fixed before the first attempt so that
 * every attempt sends the same request. Immutable.
 *
 * @param request the request as the caller built it
 * @param target the resolved URI, its {@code host:port} and its URI template (the metric tag)
 * @param guard the host's breaker, rate gate, bulkhead and retry budget
 * @param startNanos when the call started, on the client's nano clock
 * @param deadline when the call must be done, on the same clock
 * @param body the request body, or {@code null}
 * @param jsonBody a JSON body already written, so retries send the same bytes, or {@code null}
 * @param idempotencyKey the {@code Idempotency-Key}, or {@code null}
 */
record Call(ApiRequest request, RequestTarget target, HostGuard guard, long startNanos, long deadline,
        @Nullable RequestBody body, byte @Nullable [] jsonBody, @Nullable String idempotencyKey) {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final Duration MAX_BUDGET = Duration.ofNanos(Long.MAX_VALUE / 2);

    /**
     * Checks a request and fixes what its attempts share.
     *
     * @throws InvalidInputException on a bad header, idempotency key or JSON body, or a file to upload that is gone
     * @throws DisallowedHostException if an absolute URL names a host the config does not allow
     * @throws DisallowedAddressException if the host is an IP literal the address policy refuses
     */
    static Call prepare(ApiRequest request, ApiConfig config, ApiResponse.JsonCodec codec, HostGuards guards,
            long nowNanos) {
        RequestTarget target = RequestTarget.resolve(config, request.pathTemplate(), request.pathParams(),
                request.queryParams());
        PolicyDnsResolver.checkLiteral(config, target.authority(), target.uri().getHost());
        for (Map.Entry<String, String> header : request.headers()) {
            if (!Headers.validName(header.getKey())) {
                throw new InvalidInputException("invalid_header", "headers", "not a valid header name");
            }
            if (!Headers.validValue(header.getValue())) {
                throw new InvalidInputException("invalid_header", "headers." + header.getKey(),
                        "header value contains control characters (CR, LF, NUL) or characters beyond ISO-8859-1");
            }
        }
        String key = request.idempotencyKeyValue().orElse(null);
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw new InvalidInputException("invalid_idempotency_key", "Idempotency-Key",
                    "must be 1..255 visible ASCII characters");
        }
        RequestBody body = request.body().orElse(null);
        if (body instanceof RequestBody.Form(Multipart form)) {
            checkFiles(form);
        }
        byte[] json = null;
        if (body instanceof RequestBody.Json(Object value)) {
            try {
                json = codec.mapper().writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                throw new InvalidInputException("invalid_body", "body",
                        "request body cannot be written as JSON: " + e.getOriginalMessage(), e);
            }
        }
        long deadline = nowNanos + budgetNanos(request.timeout().orElse(config.timeouts().total()));
        return new Call(request, target, guards.guard(target.authority()), nowNanos, deadline, body, json, key);
    }

    /**
     * Checks again, at send time, what {@link Multipart.Builder#file} checked when the form was built: a file gone
     * since (a rotated export, a form sent again later) failed mid-request as a retryable connection error, each
     * attempt a failure in the host's breaker, so a missing local file could open the breaker of a healthy host.
     */
    private static void checkFiles(Multipart form) {
        for (Multipart.Part part : form.parts()) {
            if (part instanceof Multipart.FilePart file
                    && !(Files.isRegularFile(file.path()) && Files.isReadable(file.path()))) {
                throw new InvalidInputException("invalid_file", "file",
                        "file to upload " + file.path().getFileName() + " is gone or cannot be read");
            }
        }
    }

    /**
     * A call's time budget in nanoseconds, at most about 146 years: a timeout meant as "no limit"
     * ({@code Duration.ofDays(365_000)}) overflowed {@link Duration#toNanos()} and failed the call with an
     * {@link ArithmeticException}; half of the range keeps every {@code deadline - now} comparison exact.
     */
    static long budgetNanos(Duration timeout) {
        return timeout.compareTo(MAX_BUDGET) >= 0 ? MAX_BUDGET.toNanos() : timeout.toNanos();
    }

    /** Whether a retry may resend this call: an idempotent method, or a caller's idempotency key. */
    boolean resendable() {
        return request.method().idempotent() || idempotencyKey != null;
    }

    /** The call's time budget, for messages. */
    long budgetMillis() {
        return java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadline - startNanos);
    }
}
