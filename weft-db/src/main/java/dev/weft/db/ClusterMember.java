package dev.weft.db;

import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A member of a {@link FailoverCluster} and what its {@link ClusterChecker} knows of it. Written by the checker
 * thread only; the fields other threads read are volatile.
 */
final class ClusterMember {
    final Database database;
    final ClusterStatus.Role role;
    /** Probes a member held down outside its pool; {@code null} for a member that is not a {@link PooledDatabase}. */
    final @Nullable DirectProbe direct;
    volatile boolean healthy;
    volatile Duration lastLatency = Duration.ZERO;
    volatile @Nullable String lastError;
    volatile @Nullable Instant lastCheck;
    volatile int consecutiveFailures;
    int consecutiveSuccesses;
    /** Whether its pool is on stand-by ({@link ClusterChecker}), so the checker probes it directly. */
    volatile boolean standingBy;
    /** Whether the current run of failed direct probes has been logged. */
    volatile boolean directFailureLogged;

    ClusterMember(Database database, ClusterStatus.Role role) {
        this.database = database;
        this.role = role;
        this.direct = database instanceof PooledDatabase pooled ? new DirectProbe(pooled) : null;
    }

    String name() {
        return database.name();
    }
}
