/**
 * weft-http: a resilient client for external HTTP APIs, the guides' {@code APIConfig} and {@code APIOperations}.
 *
 * <p>{@link dev.weft.http.ApiClient} is the entry point, configured by {@link dev.weft.http.ApiConfig} and its parts
 * ({@link dev.weft.http.TimeoutConfig}, {@link dev.weft.http.RetryConfig}, {@link dev.weft.http.BreakerConfig},
 * {@link dev.weft.http.RateLimitConfig}, {@link dev.weft.http.PoolConfig}, {@link dev.weft.http.TlsConfig},
 * {@link dev.weft.http.AuthConfig}, {@link dev.weft.http.ResponseCacheConfig}). A call
 * passes, in order: the path and host checks (SSRF guard), the response cache (GETs), and per attempt the host's
 * circuit breaker, rate limit and bulkhead, then Apache HttpClient 5's pool, whose new connections go only to
 * addresses the config's {@link dev.weft.http.AddressPolicy} allowed. Failed attempts are retried with
 * weft-core's full-jitter {@link dev.weft.core.RetryPolicy} while the host's retry budget and the call's deadline
 * allow. Every failure is an
 * {@link dev.weft.http.ApiException} whose {@link dev.weft.core.ErrorKind} maps to an HTTP status, and whose
 * {@link dev.weft.core.WeftException#retryAfter()} carries the wait when one is known.
 *
 * <p>The rate limit is weft-core's {@link dev.weft.core.ratelimit.TokenBuckets}, shared between instances through a
 * {@link dev.weft.core.ratelimit.BucketStore} (e.g. the process's one Redis connection, weft-cache-redis's
 * {@code RedisLink}) and limited per instance while that store fails; weft-http holds no Redis client.
 *
 * <p>Third-party types (HttpClient 5, Resilience4j, Jackson) stay out of the API.
 */
@NullMarked
package dev.weft.http;

import org.jspecify.annotations.NullMarked;
