/**
 * The service's HTTP edge on Helidon's own routing: {@link dev.weft.service.http.HttpEdge} registers every route of
 * {@link dev.weft.service.Routes} in Helidon's {@code HttpRouting}, with filters for the request id and metrics,
 * Helidon's route security for API keys, a per-key rate limit (local Bucket4j buckets, or buckets shared through
 * Redis) and one error handler that maps every failure to {@code application/problem+json}.
 */
@NullMarked
package dev.weft.service.http;

import org.jspecify.annotations.NullMarked;
