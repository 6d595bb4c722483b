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
 * redirects followed, the configured timeout and response cap, at most {@value #CONNECTIONS_PER_HOST} attempts in
 * flight per receiving host and at most {@value #CONNECTIONS_PER_USER} of them for one user's deliveries, and the
 * {@link WebhookUrlPolicy} applied to the addresses it connects to.
 *
 * <p>The client ({@value #CLIENT_NAME}) never retries: the outbox does, over hours, with a record of each attempt.
 *
 * <p>A receiving host is shared by many users' URLs (every user's hooks on one integration platform), so nothing
 * one URL does may count against the others: an attempt that weft itself did not send because the host's limit, or
 * the user's share of it, stayed full ({@link ReceiverGate}, a short bounded wait) comes back
 * {@link DeliveryResult.Outcome#DEFERRED}, which the worker neither records as an attempt nor counts against the
 * webhook. The user's share keeps one user's slow or dead receivers from holding every connection to the host.
 *
 * <p>There is no circuit breaker per host. weft-http's breaker is keyed by host and counts every attempt that got no
 * answer, timeouts included, so one user's URL that hangs would open it for every user on that host (as a 5xx
 * would, which is why those were already left out); a host-wide breaker is only right for failures that are the
 * host's (a refused connection, DNS, TLS), and those already fail in milliseconds. What a breaker would save is
 * already bounded without one: the outbox backs each delivery off (5 s, 35 s, 4 min, ...), a webhook whose every
 * attempt fails for {@code WEFT_WEBHOOKS_DISABLE_AFTER} is disabled, and the per-host limit keeps a blackholed host to
 * {@value #CONNECTIONS_PER_HOST} of the worker's slots for one timeout each.
 *
 * <p>Thread-safe; one per service.
 */
public final class WebhookSender implements AutoCloseable {
    /** The weft-http client's name: metric tag {@code client.name} and log field {@code api_client}. */
    public static final String CLIENT_NAME = "webhooks";
    /** {@link #GATE_WAIT} in milliseconds, for the Javadoc. */
    static final long GATE_WAIT_MILLIS = 1000;
    /** Attempts in flight per receiving host ({@code host:port}). */
    static final int CONNECTIONS_PER_HOST = 4;
    /** Attempts in flight per receiving host for one user's deliveries: half, so another user always gets in. */
    static final int CONNECTIONS_PER_USER = CONNECTIONS_PER_HOST / 2;
    /**
     * The longest an attempt waits for a connection of the host (or the timeout, when shorter) before it is
     * deferred: long enough for a burst to a fast receiver to flow, short beside an attempt's timeout.
     */
    static final Duration GATE_WAIT = Duration.ofMillis(GATE_WAIT_MILLIS);
    /**
     * How soon an attempt deferred because the host's connections were all taken is tried again (the worker adds
     * jitter); one deferred because its user's share was taken waits the attempt timeout.
     */
    static final Duration DEFER_FOR = Duration.ofSeconds(1);

    private final ApiClient client;
    private final Duration timeout;
    private final long maxResponseBytes;
    private final ReceiverGate gate = new ReceiverGate(CONNECTIONS_PER_HOST, CONNECTIONS_PER_USER);
    private final Duration gateWait;

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
        this.gateWait = timeout.compareTo(GATE_WAIT) < 0 ? timeout : GATE_WAIT;
        // The base URL is never called: every delivery names its receiver, admitted by allowAnyHost and the policy.
        ApiConfig api = ApiConfig.builder("https://webhooks.invalid").name(CLIENT_NAME)
                .maxRetries(0)
                .connectTimeout(timeout).responseTimeout(timeout).totalTimeout(timeout)
                // no breaker per host: see the class comment
                .breakerEnabled(false)
                .maxConnections(256).maxConnectionsPerHost(CONNECTIONS_PER_HOST)
                .compression(false)
                .userAgent("weft-webhooks/" + BuildInfo.current().version())
                .maxResponseBytes(maxResponseBytes)
                .addressPolicy(policy.addressPolicy())
                // receivers are user data: weft-http then names none of them in a meter (host="{host}")
                .allowAnyHost(true)
                .build();
        this.client = ApiClient.builder(api).meterRegistry(registry).build();
    }

    /**
     * @param userId the delivery's owner, whose attempts may hold only their share of the host's connections
     * @param url the receiver
     * @param messageId the {@code webhook-id}, stable across attempts of one event
     * @param timestamp the {@code webhook-timestamp} (this attempt's time)
     * @param body the JSON payload
     * @param secret the signing secret ({@code whsec_...})
     * @return what the attempt came to ({@link DeliveryResult.Outcome#DEFERRED} when weft's own limit for the host
     *     stayed full, waiting at most {@value #GATE_WAIT_MILLIS} ms); never throws for a receiver's fault
     * @throws IllegalArgumentException if the secret is not a {@code whsec_} secret (a fault of the caller's)
     */
    public DeliveryResult send(long userId, URI url, String messageId, Instant timestamp, byte[] body,
            String secret) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(timestamp, "timestamp");
        long seconds = timestamp.getEpochSecond();
        String signature = WebhookSigner.sign(secret, messageId, seconds, body);
        return switch (gate.enter(authority(url), userId, gateWait)) {
            case ReceiverGate.Admitted(ReceiverGate.Pass pass) -> {
                try (pass) {
                    yield post(url, messageId, seconds, signature, body);
                }
            }
            // the user's own attempts to the host hold its share, each for up to the timeout: try after one
            case ReceiverGate.UserShareFull _ -> deferred(timeout, "this user's deliveries in flight to host");
            case ReceiverGate.HostFull _ -> deferred(DEFER_FOR, "too many deliveries in flight to host");
        };
    }

    private DeliveryResult post(URI url, String messageId, long seconds, String signature, byte[] body) {
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
        } catch (BulkheadFullException | CircuitOpenException e) {
            // weft-http's own guards (the gate in front keeps its bulkhead from filling; it has no breaker): not sent
            return deferred(DEFER_FOR, detail(e));
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

    /** {@code host:port} as weft-http keys its hosts, the default port filled in. */
    private static String authority(URI url) {
        int port = url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return String.valueOf(url.getHost()).toLowerCase(java.util.Locale.ROOT) + ":" + port;
    }

    private static DeliveryResult deferred(Duration wait, String detail) {
        return new DeliveryResult(DeliveryResult.Outcome.DEFERRED, 0, 0, wait, detail);
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
