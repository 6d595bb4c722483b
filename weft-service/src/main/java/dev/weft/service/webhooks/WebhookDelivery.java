package dev.weft.service.webhooks;

import dev.weft.service.ServiceContext;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The delivery side of webhooks in one service: the outbox's {@link DeliveryRepository}, the {@link DeliveryWorker}
 * (a companion of the job engine), the {@link WebhookUrlPolicy}, and the {@link WebhookSender} it sends through,
 * which is built on the first attempt (a service with no webhooks never opens its HTTP client). Closing it closes
 * the sender.
 *
 * <p>Thread-safe.
 */
public final class WebhookDelivery implements AutoCloseable {
    private final ServiceContext context;
    private final WebhookUrlPolicy policy;
    private final DeliveryRepository deliveries;
    private final DeliveryWorker worker;
    private volatile @Nullable WebhookSender sender;
    private boolean closed;

    /**
     * @param context the service context (database, clock, meters, webhook settings, secret box)
     * @param schedule backoff, lease and concurrency of the deliveries
     * @param stopTimeout how long a stop waits for attempts in flight
     */
    public WebhookDelivery(ServiceContext context, DeliverySchedule schedule, Duration stopTimeout) {
        this.context = Objects.requireNonNull(context, "context");
        this.policy = new WebhookUrlPolicy(context.webhooks());
        this.deliveries = new DeliveryRepository(context.database(), context.clock());
        this.worker = DeliveryWorker.create(context.database(), context.clock(), context.webhooks(), schedule,
                this::send, sealed -> context.secretBox().unseal(sealed), context.registry(), stopTimeout);
    }

    /** @return the URL policy (registration checks of webhooks and callbacks) */
    public WebhookUrlPolicy policy() {
        return policy;
    }

    /** @return the outbox as the API reads it */
    public DeliveryRepository deliveries() {
        return deliveries;
    }

    /** @return the delivery loop */
    public DeliveryWorker worker() {
        return worker;
    }

    private DeliveryResult send(long userId, URI url, String messageId, java.time.Instant timestamp, byte[] body,
            String secret) {
        return sender().send(userId, url, messageId, timestamp, body, secret);
    }

    private WebhookSender sender() {
        WebhookSender current = sender;
        if (current == null) {
            synchronized (this) {
                current = sender;
                if (current == null) {
                    if (closed) {
                        throw new IllegalStateException("webhook deliveries are closed");
                    }
                    current = new WebhookSender(context.webhooks(), policy, context.registry());
                    sender = current;
                }
            }
        }
        return current;
    }

    /** Closes the sender, if one was built. Idempotent. */
    @Override
    public void close() {
        WebhookSender current;
        synchronized (this) {
            closed = true;
            current = sender;
            sender = null;
        }
        if (current != null) {
            current.close();
        }
    }
}
