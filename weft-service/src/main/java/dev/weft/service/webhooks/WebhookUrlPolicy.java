package dev.weft.service.webhooks;

import java.net.URI;
import java.util.Objects;

/**
 * Decides where deliveries may go: {@code https} only (plain {@code http} to loopback when
 * {@code WEFT_WEBHOOKS_ALLOW_HTTP_LOOPBACK} is on), no user info, and a host whose every address is public unless it
 * lies in {@code WEFT_WEBHOOKS_ALLOWED_NETWORKS}. The same check runs at registration and again on the addresses a
 * delivery connects to, so a DNS answer that changes after registration cannot reach a private address.
 *
 * <p>Thread-safe.
 */
public final class WebhookUrlPolicy {
    private final WebhooksConfig config;

    /** @param config the settings */
    public WebhookUrlPolicy(WebhooksConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Checks a URL a user gives (a webhook's {@code url} or a job's {@code callback_url}).
     *
     * @param field the request field, named in the error
     * @param url the URL as given
     * @return the normalised URL
     * @throws dev.weft.service.ProblemException 400 {@code webhook_url_refused} naming the field and why (scheme,
     *     unresolvable host, private address, ...), never echoing internal details
     */
    public URI checkRegistration(String field, String url) {
        throw new UnsupportedOperationException("built on branch hookout");
    }
}
