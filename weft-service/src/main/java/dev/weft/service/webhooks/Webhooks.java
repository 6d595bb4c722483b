package dev.weft.service.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.core.ConflictException;
import dev.weft.core.ForbiddenException;
import dev.weft.core.NotFoundException;
import dev.weft.db.Database;
import dev.weft.service.Principal;
import dev.weft.service.ProblemException;
import dev.weft.service.data.Page;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.WebhookRepository;
import dev.weft.service.data.WebhookRow;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The webhook registration use cases: register (the signing secret shown once), list, read with delivery counts,
 * change (a new URL checked again; enabling clears why it was disabled), delete (pending deliveries cancelled) and
 * rotate the secret. A user key reaches only its own webhooks (another user's is a 404, never revealing existence);
 * the admin reaches all. HTTP stays in {@link WebhookEndpoints}.
 *
 * <p>Thread-safe.
 */
public final class Webhooks {
    private final Database db;
    private final Clock clock;
    private final WebhookRepository webhooks;
    private final DeliveryRepository deliveries;
    private final UserRepository users;
    private final WebhookUrlPolicy policy;
    private final SecretBox secrets;
    private final int maxPerUser;
    private final Runnable deliveriesDue;

    /**
     * @param db the database
     * @param clock the clock
     * @param webhooks the registrations
     * @param deliveries the outbox: counts by state, and the pending deliveries a delete cancels
     * @param users the users, whose row a registration locks while it counts the user's webhooks
     * @param policy where webhooks may point
     * @param secrets seals signing secrets for storage
     * @param maxPerUser webhooks one user may register
     * @param deliveriesDue tells the delivery worker that deliveries may be due now (a re-enabled webhook)
     */
    public Webhooks(Database db, Clock clock, WebhookRepository webhooks, DeliveryRepository deliveries,
            UserRepository users, WebhookUrlPolicy policy, SecretBox secrets, int maxPerUser,
            Runnable deliveriesDue) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.webhooks = Objects.requireNonNull(webhooks, "webhooks");
        this.deliveries = Objects.requireNonNull(deliveries, "deliveries");
        this.users = Objects.requireNonNull(users, "users");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.maxPerUser = maxPerUser;
        this.deliveriesDue = Objects.requireNonNull(deliveriesDue, "deliveriesDue");
    }

    /**
     * Registers a webhook with a new signing secret.
     *
     * @param caller who asks; the admin names the owner with {@code user_id}
     * @param body the JSON object sent
     * @return the webhook and its {@code secret} (shown only here)
     * @throws ProblemException 400 for invalid fields or a URL the policy refuses ({@code webhook_url_refused})
     * @throws ForbiddenException a user naming another user
     * @throws NotFoundException the admin naming a user that does not exist
     * @throws ConflictException {@code too_many_webhooks} at the per-user limit
     */
    public Map<String, Object> register(Principal caller, JsonNode body) {
        WebhookFields.Create request = WebhookFields.create(body);
        long owner = owner(caller, request.userId());
        URI url = policy.checkRegistration("url", request.url());
        String secret = WebhookSigner.newSecret();
        String sealed = secrets.seal(secret);
        WebhookRow created = db.inTransaction(tx -> {
            // the owner's row is locked while its webhooks are counted, so two registrations at once cannot both
            // pass the limit; it also tells the admin that the user does not exist
            if (users.lockBalances(tx, db.type(), owner, owner).isEmpty()) {
                throw new NotFoundException("not_found", "user not found");
            }
            if (webhooks.count(tx, owner) >= maxPerUser) {
                throw new ConflictException("too_many_webhooks", "a user may register at most " + maxPerUser
                        + " webhooks (WEFT_WEBHOOKS_MAX_PER_USER); delete one first");
            }
            return webhooks.insert(tx, new WebhookRepository.NewWebhook(owner, url.toString(), request.eventTypes(),
                    request.description(), sealed));
        });
        Map<String, Object> view = view(created);
        view.put("secret", secret);
        return view;
    }

    /**
     * @param userId the owner, or {@code null} for every user (the admin)
     * @param page the page
     * @return the page's webhooks, rendered
     */
    public List<Map<String, Object>> list(@Nullable Long userId, Page page) {
        return webhooks.list(userId, page).stream().map(Webhooks::view).toList();
    }

    /** @param userId the owner, or {@code null} for every user @return how many webhooks there are */
    public long count(@Nullable Long userId) {
        return webhooks.count(db, userId);
    }

    /**
     * @param caller who asks
     * @param webhookId the webhook
     * @return the webhook with its deliveries counted by state
     * @throws NotFoundException if there is none, or the caller may not see it
     */
    public Map<String, Object> get(Principal caller, String webhookId) {
        WebhookRow webhook = visible(caller, webhookId);
        Map<String, Object> view = view(webhook);
        view.put("deliveries", deliveries.countByState(webhookId));
        return view;
    }

    /**
     * The webhook, if the caller may see it.
     *
     * @param caller who asks
     * @param webhookId the webhook
     * @return it
     * @throws NotFoundException if there is none, or it is another user's
     */
    public WebhookRow visible(Principal caller, String webhookId) {
        WebhookRow webhook = webhooks.find(webhookId).orElseThrow(Webhooks::notFound);
        if (!caller.mayAccessUser(webhook.userId())) {
            throw notFound();
        }
        return webhook;
    }

    /**
     * Applies checked changes. A new URL is checked by the policy again; {@code enabled: true} clears why the webhook
     * was disabled and how long it has been failing, and lets its waiting deliveries go; {@code enabled: false}
     * disables it, with who did it as the reason.
     *
     * @param caller who asks
     * @param webhookId the webhook
     * @param body the JSON object sent
     * @return the webhook as stored
     * @throws NotFoundException if there is none, or the caller may not see it
     * @throws ProblemException 400 for invalid fields or a refused URL
     */
    public Map<String, Object> update(Principal caller, String webhookId, JsonNode body) {
        visible(caller, webhookId);
        Map<String, @Nullable Object> changes = new HashMap<>(WebhookFields.patch(body));
        if (changes.get("url") instanceof String url) {
            changes.put("url", policy.checkRegistration("url", url).toString());
        }
        boolean enabling = Boolean.TRUE.equals(changes.get("enabled"));
        if (changes.get("enabled") instanceof Boolean enabled) {
            if (enabled) {
                changes.putAll(WebhookRepository.enabling());
            } else {
                changes.put("enabled", 0);
                changes.put("disabled_reason", "disabled by " + (caller.admin() ? "the admin" : "its owner"));
                changes.put("disabled_at", Instant.now(clock));
            }
        }
        WebhookRow updated = changes.isEmpty() ? visible(caller, webhookId)
                : webhooks.update(db, webhookId, changes).orElseThrow(Webhooks::notFound);
        if (enabling) {
            deliveriesDue.run();
        }
        return view(updated);
    }

    /**
     * Deletes a webhook; its pending deliveries are cancelled in the same transaction.
     *
     * @param caller who asks
     * @param webhookId the webhook
     * @throws NotFoundException if there is none, or the caller may not see it
     */
    public void delete(Principal caller, String webhookId) {
        visible(caller, webhookId);
        boolean deleted = db.inTransaction(tx -> {
            if (!webhooks.delete(tx, webhookId)) {
                return false;
            }
            DeliveryRepository.cancelPending(tx, webhookId);
            return true;
        });
        if (!deleted) {
            throw notFound();
        }
    }

    /**
     * Replaces the signing secret; the old one stops signing at once (deliveries already sent keep theirs).
     *
     * @param caller who asks
     * @param webhookId the webhook
     * @return the webhook and its new {@code secret} (shown only here)
     * @throws NotFoundException if there is none, or the caller may not see it
     */
    public Map<String, Object> rotateSecret(Principal caller, String webhookId) {
        visible(caller, webhookId);
        String secret = WebhookSigner.newSecret();
        Map<String, @Nullable Object> change = new HashMap<>();
        change.put("secret_sealed", secrets.seal(secret));
        WebhookRow updated = webhooks.update(db, webhookId, change).orElseThrow(Webhooks::notFound);
        Map<String, Object> view = view(updated);
        view.put("secret", secret);
        return view;
    }

    /** @param webhook a row @return the webhook as the API shows it (API.md), never its secret */
    static Map<String, Object> view(WebhookRow webhook) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("webhook_id", webhook.webhookId());
        out.put("user_id", webhook.userId());
        out.put("url", webhook.url());
        out.put("event_types", webhook.eventTypeList());
        out.put("description", webhook.description());
        out.put("enabled", webhook.enabled());
        out.put("disabled_reason", webhook.disabledReason());
        out.put("disabled_at", webhook.disabledAt());
        out.put("failing_since", webhook.failingSince() == null ? null
                : Instant.ofEpochMilli(webhook.failingSince()));
        out.put("created_at", webhook.createdAt());
        out.put("updated_at", webhook.updatedAt());
        return out;
    }

    private static long owner(Principal caller, @Nullable Long userId) {
        if (!caller.admin()) {
            if (userId != null && userId != caller.userId()) {
                throw new ForbiddenException("forbidden_field",
                        "user_id may be set by the admin only (to register a webhook for another user)");
            }
            return caller.userId();
        }
        if (userId == null) {
            throw ProblemException.invalidField("user_id", "the admin must name the user the webhook belongs to");
        }
        return userId;
    }

    static NotFoundException notFound() {
        return new NotFoundException("not_found", "webhook not found");
    }
}
