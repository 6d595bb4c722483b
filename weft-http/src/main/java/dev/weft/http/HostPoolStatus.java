package dev.weft.http;

/**
 * Connection pool use for one host.
 *
 * @param host the {@code host:port}
 * @param leased connections in use
 * @param available idle connections ready for reuse
 * @param pending callers waiting for a connection
 * @param max the per-host limit
 */
public record HostPoolStatus(String host, int leased, int available, int pending, int max) {
}
