/**
 * The server's plumbing that needs no route: the per-key rate limiter (local Bucket4j buckets, or buckets shared
 * through Redis) and request ids.
 */
@NullMarked
package dev.weft.service.http;

import org.jspecify.annotations.NullMarked;
