package dev.weft.service.webhooks;

import dev.weft.core.ErrorKind;
import dev.weft.http.AddressPolicy;
import dev.weft.http.HostResolver;
import dev.weft.service.ProblemException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Decides where deliveries may go: {@code https} only (plain {@code http} to loopback when
 * {@code WEFT_WEBHOOKS_ALLOW_HTTP_LOOPBACK} is on), no user info, and a host whose every address is public unless it
 * lies in {@code WEFT_WEBHOOKS_ALLOWED_NETWORKS}. The same check runs at registration and again on the addresses a
 * delivery connects to, so a DNS answer that changes after registration cannot reach a private address.
 *
 * <p>Hosts are parsed strictly: a numeric host must be a dotted IPv4 address of four decimal parts without leading
 * zeros, so the forms resolvers read differently ({@code 2130706433}, {@code 0x7f000001}, {@code 0177.0.0.1},
 * {@code 127.1}) are refused as malformed before any lookup; IPv6 literals may carry no zone. Refusals name the
 * category of a refused address ({@code loopback}, {@code private}, ...), never the address, since a registration
 * must not become a probe of the internal DNS.
 *
 * <p>Thread-safe. {@link #checkRegistration} and {@link #resolve} block for at most {@link #RESOLVE_TIMEOUT} on DNS.
 * A lookup that outlives that wait keeps its thread until the resolver returns, so at most
 * {@link #MAX_CONCURRENT_LOOKUPS} lookups run at once: with all of them busy (a DNS server that hangs, or a user
 * registering names that never answer) a registration is answered 503 {@code dns_busy} at once instead of starting
 * one more thread.
 */
public final class WebhookUrlPolicy {
    /** The longest a host lookup may take; a slower one counts as not resolving. */
    public static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(2);
    /** Host lookups running at once, per policy; one more is refused rather than queued. */
    public static final int MAX_CONCURRENT_LOOKUPS = 16;
    /** Retry-After of a {@code dns_busy} refusal: a stuck lookup is abandoned by its caller after this long. */
    static final Duration DNS_BUSY_RETRY_AFTER = RESOLVE_TIMEOUT;
    /** The longest URL accepted. */
    public static final int MAX_URL_LENGTH = 2048;

    private static final String INVALID_PORT = "has an invalid port (must be 1-65535)";
    private static final Pattern NUMERIC_LABEL = Pattern.compile("0x[0-9a-f]*|[0-9]+");
    private static final Pattern HOST_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final WebhooksConfig config;
    private final List<Cidr> allowedNetworks;
    private final HostResolver resolver;
    /** One permit per running lookup, released when the resolver returns, not when the caller stops waiting. */
    private final Semaphore lookups;

    /** @param config the settings */
    public WebhookUrlPolicy(WebhooksConfig config) {
        this(config, HostResolver.system());
    }

    /**
     * @param config the settings
     * @param resolver how host names resolve, at registration and at delivery (tests play a DNS answer that
     *     changes); production uses {@link HostResolver#system()}
     */
    public WebhookUrlPolicy(WebhooksConfig config, HostResolver resolver) {
        this(config, resolver, MAX_CONCURRENT_LOOKUPS);
    }

    /** {@code maxLookups}: host lookups running at once (tests use a small number). */
    WebhookUrlPolicy(WebhooksConfig config, HostResolver resolver, int maxLookups) {
        this.config = Objects.requireNonNull(config, "config");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.lookups = new Semaphore(maxLookups);
        // WebhooksConfig has checked every entry, so none is dropped here.
        this.allowedNetworks = config.allowedNetworks().stream().map(Cidr::parse).flatMap(Optional::stream).toList();
    }

    /**
     * Checks a URL a user gives (a webhook's {@code url} or a job's {@code callback_url}).
     *
     * @param field the request field, named in the error
     * @param url the URL as given
     * @return the normalised URL (scheme and host in lower case, an empty path as {@code /})
     * @throws dev.weft.service.ProblemException 400 {@code webhook_url_refused} naming the field and why (scheme,
     *     unresolvable host, private address, ...), never echoing internal details
     */
    public URI checkRegistration(String field, String url) {
        Objects.requireNonNull(field, "field");
        if (url == null || url.isBlank()) {
            throw refused(field, "must be an absolute https URL");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw refused(field, "must be at most " + MAX_URL_LENGTH + " characters");
        }
        if (!url.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            // java.net.URI lets non-ASCII "other" characters through; the sender would refuse them at every attempt.
            // A host is not converted with java.net.IDN: it implements IDNA 2003, which maps some names (ß to ss)
            // to another domain than the IDNA 2008 registries serve; the user's own xn-- form is unambiguous.
            throw refused(field, nonAsciiHost(url)
                    ? "has a host name that is not ASCII: give its punycode form (xn--...), as its DNS records show it"
                    : "must be ASCII without spaces (percent-encode other characters)");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw refused(field, "is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || !(scheme.equals("https") || scheme.equals("http"))) {
            throw refused(field, "must be an absolute https URL");
        }
        if (uri.getRawUserInfo() != null || (uri.getRawAuthority() != null && uri.getRawAuthority().contains("@"))) {
            throw refused(field, "must not carry user info (credentials belong in the signature, not the URL)");
        }
        if (uri.getRawFragment() != null) {
            throw refused(field, "must not carry a fragment");
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            // java.net.URI reads an authority whose port is not a number (":-1", ":80x") as one without a host
            throw refused(field, badPort(uri.getRawAuthority()) ? INVALID_PORT : "has no valid host name or IP address");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65_535) {
            throw refused(field, INVALID_PORT);
        }
        if (hasDotSegment(uri.getRawPath())) {
            throw refused(field, "must not contain '.' or '..' path segments");
        }
        Optional<InetAddress> literal = literalHost(field, host);
        if (scheme.equals("http") && !config.allowHttpLoopback()) {
            throw refused(field, "must be https");
        }
        List<InetAddress> addresses = literal.map(List::of).orElseGet(() -> {
            if (!lookups.tryAcquire()) {
                throw ProblemException.unavailable("dns_busy",
                        "too many host lookups are under way; try again shortly", DNS_BUSY_RETRY_AFTER);
            }
            return lookUp(host);
        });
        if (addresses.isEmpty()) {
            throw refused(field, "host does not resolve");
        }
        if (scheme.equals("http") && !addresses.stream().allMatch(AddressRanges::loopback)) {
            throw refused(field, "must be https (plain http only to a loopback host)");
        }
        for (InetAddress address : addresses) {
            Optional<String> refusal = refusal(address);
            if (refusal.isPresent()) {
                throw refused(field, "resolves to a non-public address (" + refusal.get() + ")");
            }
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return URI.create(scheme + "://" + host + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + path
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
    }

    /**
     * The check a delivery makes on each address it would connect to (and registration on each address the host
     * resolves to).
     *
     * @param address a resolved address
     * @return empty when a delivery may connect to it, else the category of the refused range ({@code "loopback"},
     *     {@code "private"}, {@code "link-local (cloud metadata)"}, ...), which names no address
     */
    public Optional<String> refusal(InetAddress address) {
        Objects.requireNonNull(address, "address");
        for (Cidr network : allowedNetworks) {
            if (network.contains(address)) {
                return Optional.empty();
            }
        }
        if (config.allowHttpLoopback() && AddressRanges.loopback(address)) {
            return Optional.empty();
        }
        return AddressRanges.blocked(address);
    }

    /**
     * Resolves a host through this policy's resolver, waiting at most {@link #RESOLVE_TIMEOUT}. Used at delivery
     * (through {@link #addressPolicy()}): when {@link #MAX_CONCURRENT_LOOKUPS} lookups are already running the host
     * counts as not resolving, so the attempt fails and the outbox retries it later.
     *
     * @param host a host name or IP literal (no brackets)
     * @return its addresses; empty when it does not resolve in time or too many lookups are running
     * @throws ProblemException 503 {@code interrupted} if the calling thread is interrupted (the flag stays set)
     */
    public List<InetAddress> resolve(String host) {
        return lookups.tryAcquire() ? lookUp(host) : List.of();
    }

    /** Runs one lookup holding a permit of {@link #lookups} (already acquired), which the lookup thread releases. */
    private List<InetAddress> lookUp(String host) {
        CompletableFuture<List<InetAddress>> answer = new CompletableFuture<>();
        // The JDK's lookup has no timeout of its own; a virtual thread lets the caller stop waiting.
        try {
            Thread.ofVirtual().name("webhook-dns").start(() -> {
                try {
                    answer.complete(List.copyOf(resolver.resolve(host)));
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                } finally {
                    lookups.release();
                }
            });
        } catch (RuntimeException e) {
            lookups.release();
            throw e;
        }
        try {
            return answer.get(RESOLVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProblemException.of(ErrorKind.UNAVAILABLE, "interrupted", "interrupted while resolving a host");
        }
    }

    /**
     * The policy for the sender's weft-http client: {@link #refusal} on every address a connection would go to,
     * hosts resolved through {@link #resolve}.
     *
     * @return the address policy
     */
    public AddressPolicy addressPolicy() {
        return new AddressPolicy() {
            @Override
            public Optional<String> refusal(InetAddress address) {
                return WebhookUrlPolicy.this.refusal(address);
            }

            @Override
            public List<InetAddress> resolve(String host) {
                return WebhookUrlPolicy.this.resolve(host);
            }
        };
    }

    /** Whether the URL's host (between {@code ://}, any user info, and the port or path) has a non-ASCII character. */
    private static boolean nonAsciiHost(String url) {
        int start = url.indexOf("://");
        if (start < 0) {
            return false;
        }
        int end = start + 3;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        String authority = url.substring(start + 3, end);
        return authority.substring(authority.lastIndexOf('@') + 1).chars().anyMatch(c -> c >= 0x7f);
    }

    /** Whether an authority java.net.URI found no host in has a port part that is not a port number. */
    private static boolean badPort(@Nullable String authority) {
        if (authority == null) {
            return false;
        }
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        int colon = hostPort.startsWith("[") ? hostPort.indexOf("]:") + 1 : hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        String port = hostPort.substring(colon + 1);
        return !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65_535;
    }

    /** The host's address when it is an IP literal; refuses a numeric host that is not strict dotted IPv4. */
    private static Optional<InetAddress> literalHost(String field, String host) {
        if (host.startsWith("[")) {
            Optional<InetAddress> v6 = host.endsWith("]") && host.indexOf('%') < 0
                    ? Cidr.literal(host.substring(1, host.length() - 1)) : Optional.empty();
            if (v6.isEmpty()) {
                throw refused(field, "has no valid host name or IP address");
            }
            return v6;
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String[] labels = name.split("\\.", -1);
        boolean numeric = true;
        for (String label : labels) {
            numeric &= NUMERIC_LABEL.matcher(label).matches();
        }
        if (numeric || labels[labels.length - 1].chars().allMatch(Character::isDigit)) {
            // Only dotted decimal IPv4 is accepted: 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 read differently
            // in different resolvers, so none of them is resolved.
            Optional<InetAddress> v4 = host.equals(name) ? Cidr.literal(name) : Optional.empty();
            if (v4.isEmpty()) {
                throw refused(field, "has no valid host name or IP address (IPv4 must be four decimal parts)");
            }
            return v4;
        }
        for (String label : labels) {
            if (!HOST_LABEL.matcher(label).matches()) {
                throw refused(field, "has no valid host name or IP address");
            }
        }
        return Optional.empty();
    }

    private static boolean hasDotSegment(String rawPath) {
        if (rawPath == null) {
            return false;
        }
        for (String segment : rawPath.split("/", -1)) {
            String decoded = segment.toLowerCase(Locale.ROOT).replace("%2e", ".");
            if (decoded.equals(".") || decoded.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static ProblemException refused(String field, String reason) {
        return ProblemException.invalid("webhook_url_refused", field + " " + reason,
                List.of(new ProblemException.FieldError(field, reason)));
    }
}
