package dev.weft.service.webhooks;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one delivery attempt came to. A receiver's fault is a result, never an exception.
 *
 * @param outcome what to do next
 * @param status the receiver's HTTP status, or 0 when there was no answer (refused, timeout, connect failure)
 * @param latencyMillis from the start of the attempt to its end
 * @param retryAfter the receiver's {@code Retry-After} (429 or 503), or for {@link Outcome#DEFERRED} how soon to try
 *     again, or {@code null}
 * @param detail a short sanitised reason for the delivery log ({@code "503"}, {@code "timeout after 10000 ms"},
 *     {@code "address not allowed (private)"}); never a secret, an address or a stack trace
 */
public record DeliveryResult(Outcome outcome, int status, long latencyMillis, @Nullable Duration retryAfter,
        String detail) {

    /** What to do after an attempt. */
    public enum Outcome {
        /** 2xx: done. */
        DELIVERED,
        /** Any other status, a timeout or a connection failure: try again later. */
        FAILED,
        /** 410 Gone: the receiver asks never to be called again; stop and disable the webhook. */
        GONE,
        /** The URL's address is not allowed now (a DNS change since registration): recorded, not sent. */
        REFUSED,
        /**
         * Not sent, for a reason of weft's own (its connection limit for the host, or the user's share of it, stayed
         * full): says nothing about the receiver, so it is not an attempt. The delivery is tried again soon, after
         * {@link DeliveryResult#retryAfter()}, with no attempt recorded and the webhook's health untouched.
         */
        DEFERRED
    }

    /** Checks the fields. */
    public DeliveryResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
    }
}
