package dev.weft.service.webhooks;

import dev.weft.core.WeftException;
import dev.weft.http.ApiClient;
import dev.weft.http.ApiConfig;
import dev.weft.http.ApiConnectException;
import dev.weft.http.ApiStream;
import dev.weft.http.ApiTimeoutException;
import dev.weft.http.BulkheadFullException;
import dev.weft.http.CircuitOpenException;
import dev.weft.http.DisallowedAddressException;
import dev.weft.http.RateLimitedException;
import dev.weft.http.UpstreamException;
import dev.weft.service.BuildInfo;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Sends one delivery attempt through weft-http: a POST of the JSON body with the Standard Webhooks headers, no
 * redirects followed, the configured timeout and response cap, a breaker and retry budget per receiving host (one
 * dead receiver cannot slow the others), and the {@link WebhookUrlPolicy} applied to the addresses it connects to.
 *
 * <p>The client ({@value #CLIENT_NAME}) never retries: the outbox does, over hours, with a record of each attempt.
 * Its breaker per host opens after {@value #BREAKER_CALLS} calls in {@link #BREAKER_WINDOW} of which half got no
 * answer (a timeout, a connection failure), and stays open {@link #BREAKER_OPEN}: attempts to a dead host then fail
 * at once, without a connection. An answer, even a 5xx, does not count as a failure: a host serves many users' URLs,
 * and one URL answering 500 must not cut off the others' deliveries to the same host. A refused address is not a
 * failure of the receiver and does not count.
 *
 * <p>Thread-safe; one per service.
 */
public final class WebhookSender implements AutoCloseable {
    /** The weft-http client's name: metric tag {@code client.name} and log field {@code api_client}. */
    public static final String CLIENT_NAME = "webhooks";
    /** Calls a host's breaker must see in its window before it may open. */
    static final int BREAKER_CALLS = 5;
    /** The breaker's window: long, as deliveries to one host are spread out by the outbox's backoff. */
    static final Duration BREAKER_WINDOW = Duration.ofSeconds(60);
    /** How long an open breaker fails attempts at once. */
    static final Duration BREAKER_OPEN = Duration.ofSeconds(30);
    /** Connections per receiving host; more attempts wait in the host's bulkhead. */
    static final int CONNECTIONS_PER_HOST = 4;

    private final ApiClient client;
    private final Duration timeout;
    private final long maxResponseBytes;

    /**
     * @param config the settings
     * @param policy where deliveries may go
     * @param registry where weft-http's client meters go
     */
    public WebhookSender(WebhooksConfig config, WebhookUrlPolicy policy, MeterRegistry registry) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(registry, "registry");
        this.timeout = config.timeout();
        this.maxResponseBytes = config.maxResponseBytes();
        // The base URL is never called: every delivery names its receiver, admitted by allowAnyHost and the policy.
        ApiConfig api = ApiConfig.builder("https://webhooks.invalid").name(CLIENT_NAME)
                .maxRetries(0)
                .connectTimeout(timeout).responseTimeout(timeout).totalTimeout(timeout)
                .breakerThreshold(BREAKER_CALLS).breakerWindow(BREAKER_WINDOW).breakerOpenTime(BREAKER_OPEN)
                .breakerSlowCall(timeout).breakerCountsStatuses(false)
                .maxConnections(256).maxConnectionsPerHost(CONNECTIONS_PER_HOST)
                .compression(false)
                .userAgent("weft-webhooks/" + BuildInfo.current().version())
                .maxResponseBytes(maxResponseBytes)
                .addressPolicy(policy.addressPolicy())
                .allowAnyHost(true)
                .build();
        this.client = ApiClient.builder(api).meterRegistry(registry).build();
    }

    /**
     * @param url the receiver
     * @param messageId the {@code webhook-id}, stable across attempts of one event
     * @param timestamp the {@code webhook-timestamp} (this attempt's time)
     * @param body the JSON payload
     * @param secret the signing secret ({@code whsec_...})
     * @return what the attempt came to; never throws for a receiver's fault
     * @throws IllegalArgumentException if the secret is not a {@code whsec_} secret (a fault of the caller's)
     */
    public DeliveryResult send(URI url, String messageId, Instant timestamp, byte[] body, String secret) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(timestamp, "timestamp");
        long seconds = timestamp.getEpochSecond();
        String signature = WebhookSigner.sign(secret, messageId, seconds, body);
        long start = System.nanoTime();
        try (ApiStream response = client.post(url.toString())
                .header("webhook-id", messageId)
                .header("webhook-timestamp", Long.toString(seconds))
                .header("webhook-signature", signature)
                .body(body, "application/json")
                .stream()) {
            drain(response, start);
            int status = response.status();
            return status >= 200 && status < 300
                    ? new DeliveryResult(DeliveryResult.Outcome.DELIVERED, status, millisSince(start), null,
                            Integer.toString(status))
                    : failed(status, start, null, status + " (redirects are not followed)");
        } catch (UpstreamException e) {
            if (e.status() == 410) {
                return new DeliveryResult(DeliveryResult.Outcome.GONE, 410, millisSince(start), null, "410 Gone");
            }
            Duration retryAfter = e.status() == 503 ? e.retryAfter().orElse(null) : null;
            return failed(e.status(), start, retryAfter, Integer.toString(e.status()));
        } catch (RateLimitedException e) {
            // The client has no rate limit of its own, so this is the receiver's 429; weft-http reads its
            // Retry-After (seconds or an HTTP-date) and says 1 s when there is none.
            return failed(429, start, e.retryAfter().orElse(null), "429");
        } catch (DisallowedAddressException e) {
            return new DeliveryResult(DeliveryResult.Outcome.REFUSED, 0, millisSince(start), null,
                    "address not allowed (" + e.reason() + ")");
        } catch (WeftException e) {
            return failed(0, start, null, detail(e));
        }
    }

    /**
     * Reads what the receiver sent, up to {@code maxResponseBytes} and the attempt's time, so its connection can
     * be reused; the status alone decides, so a longer or slower body is dropped with its connection.
     */
    private void drain(ApiStream response, long start) {
        long deadline = start + timeout.toNanos();
        byte[] buffer = new byte[8192];
        long read = 0;
        try {
            InputStream in = response.body();
            while (read < maxResponseBytes && System.nanoTime() - deadline < 0) {
                int count = in.read(buffer, 0, (int) Math.min(buffer.length, maxResponseBytes - read));
                if (count < 0) {
                    return;
                }
                read += count;
            }
        } catch (IOException | RuntimeException e) {
            // A body that breaks off after the status arrived changes nothing: the receiver answered.
        }
    }

    /** A sanitised reason: what happened, never an exception class, an address or a message from a library. */
    private String detail(WeftException failure) {
        return switch (failure) {
            case CircuitOpenException open -> "circuit open for host";
            case ApiTimeoutException late -> "timeout after " + timeout.toMillis() + " ms";
            case BulkheadFullException full -> "too many deliveries in flight to host";
            case ApiConnectException connect -> switch (connect.getCause()) {
                case UnknownHostException unknown -> "host does not resolve";
                case NoRouteToHostException noRoute -> "no route to host";
                case ConnectException refused -> "connection refused";
                case null, default -> switch (connect.code()) {
                    case "tls_failure" -> "TLS handshake failed";
                    case "connection_reset" -> "connection reset";
                    case "no_response" -> "connection closed without an answer";
                    default -> "connection failed";
                };
            };
            default -> "not sent: " + failure.code();
        };
    }

    private static DeliveryResult failed(int status, long start, @Nullable Duration retryAfter, String detail) {
        return new DeliveryResult(DeliveryResult.Outcome.FAILED, status, millisSince(start), retryAfter, detail);
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Closes the client's connections. Idempotent. */
    @Override
    public void close() {
        client.close();
    }
}
