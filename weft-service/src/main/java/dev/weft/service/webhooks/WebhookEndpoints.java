package dev.weft.service.webhooks;

import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.Idempotency;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.ShownOnceSecret;
import dev.weft.service.Routes;
import dev.weft.service.data.Page;
import dev.weft.service.data.WebhookRepository;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP side of webhooks: {@code /webhooks}, {@code /webhooks/{webhook_id}},
 * {@code /webhooks/{webhook_id}/rotate-secret}, {@code /webhooks/{webhook_id}/test} and
 * {@code /webhooks/{webhook_id}/deliveries[/{delivery_id}[/retry]]}. Handlers parse the request, call
 * {@link Webhooks} or {@link WebhookDeliveries} and write the answer.
 *
 * <p>Thread-safe.
 */
public final class WebhookEndpoints implements RouteModule {
    private static final String FORBIDDEN_OTHER_USER = "only the admin may list another user's webhooks";

    /** The member of a registration's answer that shows the signing secret. */
    private static final String SECRET = "secret";

    private final Webhooks webhooks;
    private final WebhookDeliveries deliveries;
    private final Idempotency idempotency;
    private final SecretBox secrets;

    /**
     * @param webhooks the registration use cases
     * @param deliveries the delivery use cases
     * @param idempotency the idempotency records, for {@code POST /webhooks} with an {@code Idempotency-Key}
     * @param secrets the box that seals the secret in the answer kept for replays
     */
    public WebhookEndpoints(Webhooks webhooks, WebhookDeliveries deliveries, Idempotency idempotency,
            SecretBox secrets) {
        this.webhooks = Objects.requireNonNull(webhooks, "webhooks");
        this.deliveries = Objects.requireNonNull(deliveries, "deliveries");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    @Override
    public void routes(Routes routes) {
        routes.post("/webhooks", Access.AUTHENTICATED, this::register)
                .get("/webhooks", Access.AUTHENTICATED, this::list)
                .get("/webhooks/{webhook_id}", Access.AUTHENTICATED, this::get)
                .patch("/webhooks/{webhook_id}", Access.AUTHENTICATED, this::update)
                .delete("/webhooks/{webhook_id}", Access.AUTHENTICATED, this::delete)
                .post("/webhooks/{webhook_id}/rotate-secret", Access.AUTHENTICATED, this::rotateSecret)
                .post("/webhooks/{webhook_id}/test", Access.AUTHENTICATED, this::test)
                .get("/webhooks/{webhook_id}/deliveries", Access.AUTHENTICATED, this::listDeliveries)
                .get("/webhooks/{webhook_id}/deliveries/{delivery_id}", Access.AUTHENTICATED, this::getDelivery)
                .post("/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", Access.AUTHENTICATED, this::retry);
    }

    private void register(Exchange exchange) {
        // the answer kept for replays of its Idempotency-Key holds the secret sealed; the client sees it in clear
        ShownOnceSecret secret = new ShownOnceSecret(SECRET, secrets);
        Idempotency.Answer answer = secret.reveal(idempotency.run(Idempotency.request(exchange), () -> {
            Map<String, Object> created = new LinkedHashMap<>(webhooks.register(exchange.principal(),
                    exchange.jsonObject()));
            created.put(secret.sealedMember(), secret.seal(String.valueOf(created.remove(SECRET))));
            return new Idempotency.Answer(201, created, Map.of("Location", "/webhooks/" + created.get("webhook_id")));
        }));
        ShownOnceSecret.noStore(exchange); // the secret, shown once
        Idempotency.send(exchange, answer);
    }

    private void list(Exchange exchange) {
        Long userId = exchange.scopedUser(FORBIDDEN_OTHER_USER);
        Page page = Page.parse(exchange::query, WebhookRepository.ORDER_COLUMNS, "created_at");
        List<Map<String, Object>> items = webhooks.list(userId, page);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("total", webhooks.count(userId));
        body.put("limit", page.limit());
        body.put("offset", page.offset());
        exchange.send(200, body);
    }

    private void get(Exchange exchange) {
        exchange.send(200, webhooks.get(exchange.principal(), webhookId(exchange)));
    }

    private void update(Exchange exchange) {
        String webhookId = webhookId(exchange);
        exchange.send(200, webhooks.update(exchange.principal(), webhookId, exchange.jsonObject()));
    }

    private void delete(Exchange exchange) {
        webhooks.delete(exchange.principal(), webhookId(exchange));
        exchange.noContent();
    }

    private void rotateSecret(Exchange exchange) {
        Map<String, Object> rotated = webhooks.rotateSecret(exchange.principal(), webhookId(exchange));
        ShownOnceSecret.noStore(exchange); // the secret, shown once
        exchange.send(200, rotated);
    }

    private void test(Exchange exchange) {
        exchange.send(202, deliveries.test(exchange.principal(), webhookId(exchange)));
    }

    private void listDeliveries(Exchange exchange) {
        String webhookId = webhookId(exchange);
        String state = exchange.query("state").orElse(null);
        if (state != null && !DeliveryRepository.STATES.contains(state)) {
            throw ProblemException.invalid("invalid_parameter", "state must be one of " + DeliveryRepository.STATES,
                    List.of(new ProblemException.FieldError("state", "unknown state")));
        }
        Page page = Page.parse(exchange::query, DeliveryRepository.ORDER_COLUMNS, DeliveryRepository.DEFAULT_ORDER);
        List<Map<String, Object>> items = deliveries.list(exchange.principal(), webhookId, state, page);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("total", deliveries.count(webhookId, state));
        body.put("limit", page.limit());
        body.put("offset", page.offset());
        exchange.send(200, body);
    }

    private void getDelivery(Exchange exchange) {
        String webhookId = webhookId(exchange);
        exchange.send(200, deliveries.get(exchange.principal(), webhookId, deliveryId(exchange)));
    }

    private void retry(Exchange exchange) {
        String webhookId = webhookId(exchange);
        exchange.send(202, deliveries.retry(exchange.principal(), webhookId, deliveryId(exchange)));
    }

    private static String deliveryId(Exchange exchange) {
        String id = exchange.pathParam("delivery_id");
        if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
            throw WebhookDeliveries.notFound();
        }
        return id;
    }

    /** A malformed id names no webhook: 404, as for an unknown one. */
    private static String webhookId(Exchange exchange) {
        String id = exchange.pathParam("webhook_id");
        if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
            throw Webhooks.notFound();
        }
        return id;
    }
}
