package dev.weft.service.webhooks;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Instant;

/**
 * Sends one delivery attempt through weft-http: a POST of the JSON body with the Standard Webhooks headers, no
 * redirects followed, the configured timeout and response cap, a breaker and retry budget per receiving host (one
 * dead receiver cannot slow the others), and the {@link WebhookUrlPolicy} applied to the addresses it connects to.
 *
 * <p>Thread-safe; one per service.
 */
public final class WebhookSender implements AutoCloseable {
    /**
     * @param config the settings
     * @param policy where deliveries may go
     * @param registry where weft-http's client meters go
     */
    public WebhookSender(WebhooksConfig config, WebhookUrlPolicy policy, MeterRegistry registry) {
        throw new UnsupportedOperationException("built on branch hookout");
    }

    /**
     * @param url the receiver
     * @param messageId the {@code webhook-id}, stable across attempts of one event
     * @param timestamp the {@code webhook-timestamp} (this attempt's time)
     * @param body the JSON payload
     * @param secret the signing secret ({@code whsec_...})
     * @return what the attempt came to; never throws for a receiver's fault
     */
    public DeliveryResult send(URI url, String messageId, Instant timestamp, byte[] body, String secret) {
        throw new UnsupportedOperationException("built on branch hookout");
    }

    @Override
    public void close() {
    }
}
