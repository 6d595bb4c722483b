/**
 * Test fixtures for weft-http: {@link dev.weft.http.testing.FaultServer}, a small HTTP/1.1 server on
 * loopback that answers with scripted {@link dev.weft.http.testing.Behavior}s (statuses, Retry-After,
 * connection resets, delays, trickled, chunked, gzip and very large bodies, upload sinks) and records
 * what it received, so client tests can assert on what the server saw.
 *
 * <p>This package ships in weft-http's test-jar so weft-bench can use the server as a benchmark target.
 */
@NullMarked
package dev.weft.http.testing;

import org.jspecify.annotations.NullMarked;
