package dev.weft.service.http;

import dev.weft.core.ratelimit.RateDecision;
import dev.weft.service.ApiKeys;
import dev.weft.service.Principal;
import dev.weft.service.ProblemException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpSecurity;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The service's API-key check, in the shape of Helidon's security hook. A route that is not public is registered
 * behind a {@link KeyCheckedHandler} ({@link HttpEdge}), which calls {@link #authenticate} and, on admin routes,
 * {@link #authorize} with the role {@value #ADMIN_ROLE} (403 {@code forbidden} for a user key). Authenticating takes,
 * in order:
 * <ol>
 *   <li>the key from {@code X-API-Key} or {@code Authorization: Bearer} (401 {@code unauthorized} without one);
 *   <li>a token from the key's bucket in the {@link RateLimiter} (429 {@code rate_limited}), keyed by the key's hash,
 *   so that a refused request costs no database work, whether its key is valid or not;
 *   <li>the key's principal from {@link ApiKeys} (cached by hash; 401 {@code unauthorized} for a key that is not
 *   valid).
 * </ol>
 * The caller is kept in the request's {@link RequestState}. Authentication is a route's business, not a filter's,
 * because filters run before routing and so cannot know whether the route is public.
 *
 * <p>Thread-safe.
 */
final class ApiKeySecurity implements HttpSecurity {
    /** The role hint of admin-only routes. */
    static final String ADMIN_ROLE = "admin";
    private static final HeaderName API_KEY_HEADER = HeaderNames.create("X-API-Key");

    private final ApiKeys apiKeys;
    private final RateLimiter limiter;

    ApiKeySecurity(ApiKeys apiKeys, RateLimiter limiter) {
        this.apiKeys = Objects.requireNonNull(apiKeys, "apiKeys");
        this.limiter = Objects.requireNonNull(limiter, "limiter");
    }

    @Override
    public boolean authenticate(ServerRequest request, ServerResponse response, boolean requiredHint) {
        Optional<String> key = request.headers().first(API_KEY_HEADER);
        if (key.isEmpty()) {
            key = request.headers().first(HeaderNames.AUTHORIZATION)
                    .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                    .map(value -> value.substring(7).strip());
        }
        if (key.isEmpty() || key.get().isEmpty()) {
            throw ProblemException.unauthorized("an API key is required (X-API-Key or Authorization: Bearer)");
        }
        ApiKeys.PresentedKey presented = ApiKeys.present(key.get())
                .orElseThrow(() -> ProblemException.unauthorized("the API key is not valid"));
        RateDecision decision = limiter.tryAcquire(presented.bucket());
        if (!decision.allowed()) {
            throw ProblemException.rateLimited("more than " + limiter.rate() + " requests per second with this key",
                    Duration.ofSeconds(decision.retryAfterSeconds()));
        }
        Principal principal = apiKeys.authenticate(presented)
                .orElseThrow(() -> ProblemException.unauthorized("the API key is not valid"));
        RequestState.CURRENT.get().principal(principal);
        return true;
    }

    @Override
    public boolean authorize(ServerRequest request, ServerResponse response, String... roleHint) {
        Principal principal = RequestState.CURRENT.get().principal();
        for (String role : roleHint) {
            if (!ADMIN_ROLE.equals(role)) {
                throw new IllegalStateException("unknown role " + role);
            }
            if (principal == null || !principal.admin()) {
                throw ProblemException.forbidden("this endpoint needs the admin key");
            }
        }
        return true;
    }
}
