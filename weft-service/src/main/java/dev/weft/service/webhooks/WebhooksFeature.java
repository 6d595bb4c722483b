package dev.weft.service.webhooks;

import dev.weft.service.Feature;
import dev.weft.service.Idempotency;
import dev.weft.service.RouteModule;
import dev.weft.service.ServiceContext;
import dev.weft.service.data.WebhookRepository;

/**
 * The webhooks feature: the registration and delivery use cases ({@link Webhooks}, {@link WebhookDeliveries}) and
 * their {@link WebhookEndpoints}. Its tables come with the video jobs' migrations (version 9), since the outbox
 * writes deliveries in a status change's transaction. Stateless.
 */
public final class WebhooksFeature implements Feature {
    private WebhooksFeature() {
    }

    /** @return the feature */
    public static WebhooksFeature create() {
        return new WebhooksFeature();
    }

    @Override
    public RouteModule open(ServiceContext context) {
        WebhooksConfig config = context.webhooks();
        Runnable deliveriesDue = context::deliveriesDue;
        DeliveryRepository outbox = new DeliveryRepository(context.database(), context.clock());
        Webhooks webhooks = new Webhooks(context.database(), context.clock(),
                new WebhookRepository(context.database(), context.clock()), outbox, context.users(),
                new WebhookUrlPolicy(config), context.secretBox(), config.maxPerUser(),
                deliveriesDue);
        WebhookDeliveries deliveries = new WebhookDeliveries(webhooks, outbox, new DeliveryPages(context.database()),
                deliveriesDue);
        return new WebhookEndpoints(webhooks, deliveries, new Idempotency(context.idempotency(), context.json()),
                context.secretBox());
    }
}
