/**
 * Benchmarks of weft against the local servers (not shipped): JMH benchmarks run through
 * {@code org.openjdk.jmh.Main}, plain mains for measurements JMH does not suit, and the summary the runner script
 * prints. Everything connects to loopback only; see {@code weft-bench/run-benchmarks.sh}.
 */
@NullMarked
package dev.weft.bench;

import org.jspecify.annotations.NullMarked;
