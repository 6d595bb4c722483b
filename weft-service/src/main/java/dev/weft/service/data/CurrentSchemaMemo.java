package dev.weft.service.data;

import dev.weft.db.migrate.Migration;
import dev.weft.db.migrate.MigrationException;
import dev.weft.db.migrate.MigrationResult;
import dev.weft.db.migrate.MigrationRunner;
import dev.weft.db.migrate.MigrationStatus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The service's migration runner, which remembers a positive {@link #isCurrent()} for {@link #REMEMBERED}: readiness
 * probes and the dashboard's health section ask every few seconds, and each answer otherwise reads the whole schema
 * table and checks every migration's checksum. A change made through this runner forgets the answer at once; one made
 * by another process (another instance, {@code weft migrate}) shows within {@link #REMEMBERED}. A negative answer is
 * never remembered, so an instance becomes ready as soon as its schema is. Migrating onto a schema that a newer
 * release moved past this build's migrations fails with {@link SchemaAheadException}, which tells the operator what
 * to do (weft-db's {@code migration_missing} advice is for an application that lost a migration file).
 *
 * <p>Thread-safe.
 */
public final class CurrentSchemaMemo implements MigrationRunner {
    /**
     * How long a positive answer is kept: longer than the dashboard's health period (30 s), so a page open on the
     * service reads the schema table once a minute, not at each of its health checks (a memo as long as the period
     * always expired just before the next check).
     */
    public static final Duration REMEMBERED = Duration.ofSeconds(60);

    private final MigrationRunner runner;
    private final LongSupplier nanoTime;
    // bumped by every change through this runner: an answer read while one ran is not remembered
    private final AtomicLong changes = new AtomicLong();
    private final AtomicReference<@Nullable Remembered> remembered = new AtomicReference<>();

    /**
     * @param runner the runner that reads and changes the schema
     * @param nanoTime the monotonic clock
     */
    public CurrentSchemaMemo(MigrationRunner runner, LongSupplier nanoTime) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    @Override
    public boolean isCurrent() {
        long now = nanoTime.getAsLong();
        long changesBefore = changes.get();
        Remembered kept = remembered.get();
        if (kept != null && kept.changes() == changesBefore && now - kept.until() < 0) {
            return true;
        }
        boolean current = runner.isCurrent();
        if (current) {
            Remembered fresh = new Remembered(changesBefore, now + REMEMBERED.toNanos());
            remembered.set(fresh);
            if (changes.get() != changesBefore) {
                // a change ran while the database was asked: the answer may already be wrong
                remembered.compareAndSet(fresh, null);
            }
        }
        return current;
    }

    /** {@inheritDoc} A schema newer than this build fails with {@link SchemaAheadException}. */
    @Override
    public MigrationResult migrate() {
        return forgetting(() -> explained(runner::migrate));
    }

    /** {@inheritDoc} A schema newer than this build fails with {@link SchemaAheadException}. */
    @Override
    public MigrationResult migrate(String target) {
        return forgetting(() -> explained(() -> runner.migrate(target)));
    }

    private MigrationResult explained(Supplier<MigrationResult> change) {
        try {
            return change.get();
        } catch (MigrationException e) {
            throw SchemaAheadException.explain(runner, e);
        }
    }

    @Override
    public MigrationResult rollback(String version) {
        return forgetting(() -> runner.rollback(version));
    }

    @Override
    public MigrationResult rollback(int steps) {
        return forgetting(() -> runner.rollback(steps));
    }

    @Override
    public List<MigrationStatus> status() {
        return runner.status();
    }

    @Override
    public List<MigrationStatus> validate() {
        return runner.validate();
    }

    @Override
    public List<Migration> pending() {
        return runner.pending();
    }

    @Override
    public void repair(String version) {
        forgetting(() -> {
            runner.repair(version);
            return null;
        });
    }

    @Override
    public void markApplied(String version) {
        forgetting(() -> {
            runner.markApplied(version);
            return null;
        });
    }

    private <T> T forgetting(Supplier<T> change) {
        changes.incrementAndGet();
        try {
            return change.get();
        } finally {
            changes.incrementAndGet();
        }
    }

    /**
     * @param changes the count of changes when it was read
     * @param until when it stops counting (the monotonic clock)
     */
    private record Remembered(long changes, long until) {
    }
}
