package dev.weft.db;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One database probed over connections of its own, outside its pool ({@link PooledDatabase#probeDirectly}), at
 * most one probe in flight: a server that accepts and then says nothing cannot pile probes up. Shared by the
 * fail-fast {@link DatabaseHealthChecker} and the {@link ClusterChecker}, which read the outcome each their way.
 * Thread-safe.
 */
final class DirectProbe {
    /** What one probe saw. */
    sealed interface Outcome {
        Duration latency();
    }

    /** The server ran the query; {@code value} is the first column of the first row. */
    record Answered(@Nullable Object value, Duration latency) implements Outcome {
    }

    /** The driver failed: refused, reset, timed out, rejected the login... */
    record Failed(Exception failure, Duration latency) implements Outcome {
    }

    /** No answer within the bound ({@code timeout}), or the wait itself failed ({@code interrupted}). */
    record NoAnswer(String error, Duration latency) implements Outcome {
    }

    private final PooledDatabase database;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long startedNanos;

    DirectProbe(PooledDatabase database) {
        this.database = database;
    }

    /**
     * Runs {@code sql} on a virtual thread and waits at most {@code bound} for it.
     *
     * @param queryTimeout the query's own timeout (the connect is bounded by the config's connect timeout)
     * @return the outcome, or {@code null} if the previous probe still waits for the server
     */
    @Nullable Outcome run(String sql, Duration queryTimeout, Duration bound) {
        if (!running.compareAndSet(false, true)) {
            return null;
        }
        long start = System.nanoTime();
        startedNanos = start;
        CompletableFuture<Outcome> probe = new CompletableFuture<>();
        Thread.ofVirtual().name("weft-db-" + database.name() + "-probe").start(() -> {
            try {
                Object value = database.probeDirectly(sql, queryTimeout);
                probe.complete(new Answered(value, since(start)));
            } catch (SQLException | RuntimeException e) {
                probe.complete(new Failed(e, since(start)));
            } finally {
                running.set(false);
            }
        });
        return await(probe, start + bound.toNanos(), error -> new NoAnswer(error, bound));
    }

    /** @return how long the probe in flight has been running; meaningful only while {@link #run} returns null */
    Duration runningFor() {
        return since(startedNanos);
    }

    /**
     * Waits for a probe until {@code deadlineNanos} ({@link System#nanoTime()} time); a timeout, a failure of the
     * probe's own code or an interrupt becomes {@code noAnswer("timeout" | "internal_error" | "interrupted")}.
     */
    static <T> T await(CompletableFuture<T> probe, long deadlineNanos, Function<String, T> noAnswer) {
        try {
            return probe.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return noAnswer.apply("timeout");
        } catch (ExecutionException e) {
            return noAnswer.apply("internal_error");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return noAnswer.apply("interrupted");
        }
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
