package dev.weft.service.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Objects;

/**
 * The key check in front of a route that is not public: {@link ApiKeySecurity#authenticate} (401, 429), then on an
 * admin route {@link ApiKeySecurity#authorize} (403), then the route's handler. A failure is thrown to the error
 * handler, as from the route itself. An answer that passed the key check carries {@code Cache-Control: no-store}
 * unless its route sets its own: the key travels in {@code X-API-Key}, which shared caches do not treat as
 * {@code Authorization}, so one would otherwise be free to keep a user's answer and hand it to the next client (Spring
 * Security sends the same by default).
 *
 * <p>It does what Helidon's {@code SecureHandler} did with the same {@link ApiKeySecurity}, without what weft does not
 * use: that handler first looks for a security provider's {@code SecurityContext} in the request's Helidon
 * {@code Context}, which builds a context (a registry, a lock, a list) on every request; weft has no provider, so the
 * lookup always came back empty (about 2 % of an authenticated cache hit's allocation).
 *
 * <p>Thread-safe; one per route.
 */
final class KeyCheckedHandler implements Handler {
    private static final String[] ADMIN = {ApiKeySecurity.ADMIN_ROLE};
    private static final Header NO_STORE = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "no-store");

    private final ApiKeySecurity security;
    private final boolean adminOnly;
    private final Handler route;

    /**
     * @param security the service's key check
     * @param adminOnly whether the route takes the admin key only
     * @param route the route's handler, run once the key passed
     */
    KeyCheckedHandler(ApiKeySecurity security, boolean adminOnly, Handler route) {
        this.security = Objects.requireNonNull(security, "security");
        this.adminOnly = adminOnly;
        this.route = Objects.requireNonNull(route, "route");
    }

    @Override
    public void handle(ServerRequest request, ServerResponse response) throws Exception {
        // both answer true or throw the problem to send (ApiKeySecurity never answers false)
        if (security.authenticate(request, response, true) && (!adminOnly || security.authorize(request, response,
                ADMIN))) {
            response.header(NO_STORE); // before the route, so a route's own Cache-Control replaces it
            route.handle(request, response);
        }
    }
}
