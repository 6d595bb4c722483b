package dev.weft.service.http;

import dev.weft.core.ratelimit.RateDecision;
import dev.weft.service.Principal;
import dev.weft.service.ProblemException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * Takes a token from the caller's bucket before the route's handler runs: 429 {@code rate_limited} with
 * {@code Retry-After} when the bucket is empty. It wraps the handler of every route that is not public, inside
 * Helidon's {@code SecureHandler}, because the bucket is the authenticated caller's and the caller is known only once
 * the route's security has run.
 *
 * <p>Thread-safe.
 */
final class RateLimitHandler implements Handler {
    private final RateLimiter limiter;
    private final Handler next;

    RateLimitHandler(RateLimiter limiter, Handler next) {
        this.limiter = Objects.requireNonNull(limiter, "limiter");
        this.next = Objects.requireNonNull(next, "next");
    }

    @Override
    public void handle(ServerRequest request, ServerResponse response) throws Exception {
        Principal principal = Objects.requireNonNull(RequestState.CURRENT.get().principal(), "authenticated");
        RateDecision decision = limiter.tryAcquire(principal.scope());
        if (!decision.allowed()) {
            throw ProblemException.rateLimited("more than " + limiter.rate() + " requests per second with this key",
                    Duration.ofSeconds(decision.retryAfterSeconds()));
        }
        next.handle(request, response);
    }
}
