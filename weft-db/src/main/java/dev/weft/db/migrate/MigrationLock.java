package dev.weft.db.migrate;

import dev.weft.core.ErrorKind;
import dev.weft.db.Database;
import dev.weft.db.DatabaseType;
import dev.weft.db.QueryTimeoutException;
import dev.weft.db.Transaction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The database-wide lock every migration step holds: a transaction-scoped advisory lock on PostgreSQL (or the same
 * key as a session lock for a migration that runs outside a transaction; both tried, never waited for), a named
 * session lock on MariaDB/MySQL, SQLite's {@code BEGIN IMMEDIATE}. Its key is derived from the database and the
 * schema table's name, so runners of one schema table exclude each other and no one else. Thread-safe.
 */
final class MigrationLock {
    /** Extra time the client-side watchdog gives a lock statement, so the server's own timeout fires first. */
    private static final Duration WATCHDOG_SLACK = Duration.ofSeconds(5);
    /** How long a runner waits before it tries a lock another runner holds again. */
    private static final Duration LOCK_RETRY = Duration.ofMillis(50);

    private final Database database;
    private final MigrationConfig config;
    private final DatabaseType type;
    private final long advisoryKey;
    private final String lockName;

    MigrationLock(Database database, MigrationConfig config) {
        this.database = database;
        this.config = config;
        this.type = database.type();
        byte[] digest = sha256("weft-migrations:" + database.config().database() + ":" + config.table());
        long key = 0;
        for (int i = 0; i < 8; i++) {
            key = key << 8 | (digest[i] & 0xFF);
        }
        this.advisoryKey = key;
        this.lockName = "weft-mig-" + HexFormat.of().formatHex(digest, 0, 12);
    }

    /**
     * Runs {@code work} in a transaction under the migration lock. PostgreSQL: a transaction-scoped advisory
     * lock, released by the commit or rollback, tried in short transactions until it is free. MariaDB/MySQL: a named lock of the session, which lives on this
     * transaction's connection, released in {@code finally}. SQLite: weft opens transactions with
     * {@code BEGIN IMMEDIATE}, which takes the database's write lock up front.
     */
    <T extends @Nullable Object> T locked(Function<Transaction, T> work) {
        if (type == DatabaseType.POSTGRESQL) {
            return postgresLocked(work);
        }
        try {
            return database.inTransaction(transaction -> switch (type) {
                case MARIADB, MYSQL -> mysqlLocked(transaction, work);
                case SQLITE, POSTGRESQL -> work.apply(transaction);
            });
        } catch (QueryTimeoutException e) {
            throw new MigrationException(ErrorKind.TIMEOUT, "migration_lock_timeout", null, "database '"
                    + database.name() + "': another migration runner held the migration lock of " + config.table()
                    + " for more than " + config.lockTimeout().toMillis() + " ms, or a migration statement timed out",
                    e);
        }
    }

    /**
     * PostgreSQL: tries the transaction-scoped lock in a short transaction of its own, and while another runner holds
     * it, ends that transaction and tries again in a new one. A runner never waits inside a transaction (or a
     * statement) for the lock: {@code CREATE INDEX CONCURRENTLY} in another runner's no-transaction migration waits
     * for every transaction that holds a snapshot to end, and one waiting for that runner's lock never would.
     */
    private <T extends @Nullable Object> T postgresLocked(Function<Transaction, T> work) {
        long deadline = System.nanoTime() + config.lockTimeout().toNanos();
        while (true) {
            List<T> result = new ArrayList<>(1);
            try {
                database.inTransaction(transaction -> {
                    result.clear(); // a transaction run again after a serialization failure starts afresh
                    transaction.execute("SET LOCAL statement_timeout = " + statementTimeout().toMillis());
                    Boolean got = transaction.statement("SELECT pg_try_advisory_xact_lock(:key)")
                            .bind("key", advisoryKey).one(Boolean.class);
                    if (Boolean.TRUE.equals(got)) {
                        result.add(work.apply(transaction));
                    }
                    return true;
                });
            } catch (QueryTimeoutException e) {
                // the lock is only tried, never waited for: a timeout here is a statement of the step's own
                throw new MigrationException(ErrorKind.TIMEOUT, "migration_statement_timeout", null, "database '"
                        + database.name() + "': a migration statement ran past its timeout ("
                        + statementTimeout().toMillis() + " ms)", e);
            }
            if (!result.isEmpty()) {
                return result.getFirst();
            }
            waitBeforeTrying(deadline);
        }
    }

    private void waitBeforeTrying(long deadline) {
        if (System.nanoTime() - deadline > 0) {
            throw new MigrationException(ErrorKind.TIMEOUT, "migration_lock_timeout", null, "database '"
                    + database.name() + "': another migration runner held the migration lock of " + config.table()
                    + " for more than " + config.lockTimeout().toMillis() + " ms", null);
        }
        try {
            Thread.sleep(LOCK_RETRY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MigrationException(ErrorKind.INTERNAL, "interrupted", null, "database '" + database.name()
                    + "': interrupted while waiting for the migration lock of " + config.table(), e);
        }
    }

    /** @return the PostgreSQL advisory lock's key (tests look for it in {@code pg_locks}) */
    long advisoryKey() {
        return advisoryKey;
    }

    /** Work that holds the lock through {@link #session}. */
    @FunctionalInterface
    interface SessionWork<T> {
        T run() throws java.sql.SQLException;
    }

    /**
     * Runs {@code work} holding the migration lock as a session lock of {@code connection} (autocommit), for a
     * migration that runs outside a transaction: PostgreSQL's {@code pg_advisory_lock} on the key of
     * {@link #locked}'s transaction lock, so the two exclude each other; released in {@code finally}. SQLite has no
     * lock but its write transaction, which would block the work's own statements: there {@code work} runs
     * unlocked. The connection's statement timeout is the migration statements' while {@code work} runs.
     */
    <T extends @Nullable Object> T session(java.sql.Connection connection, SessionWork<T> work)
            throws java.sql.SQLException {
        if (type != DatabaseType.POSTGRESQL) {
            return work.run();
        }
        // tried, not waited for, as in postgresLocked: a statement waiting for the lock would hold a snapshot that
        // the lock holder's CREATE INDEX CONCURRENTLY waits for
        long deadline = System.nanoTime() + config.lockTimeout().toNanos();
        try (java.sql.PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            lock.setLong(1, advisoryKey);
            while (true) {
                try (java.sql.ResultSet got = lock.executeQuery()) {
                    if (got.next() && got.getBoolean(1)) {
                        break;
                    }
                }
                waitBeforeTrying(deadline);
            }
        }
        Throwable failure = null;
        try {
            try (java.sql.Statement set = connection.createStatement()) {
                set.execute("SET statement_timeout = " + statementTimeout().toMillis());
            }
            return work.run();
        } catch (java.sql.SQLException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            release(connection, failure);
        }
    }

    /**
     * Gives the session lock back. A statement of the work may have left a transaction open (an explicit
     * {@code BEGIN}), aborted or not, in which the unlock would fail: it is rolled back first. A lock that still
     * cannot be released must not go back to the pool with its connection, where it would hold every later runner
     * off until the connection is recycled: the failure is thrown (suppressed onto the work's own, if any), which
     * makes {@link Database#withConnection} evict the connection.
     */
    private void release(java.sql.Connection connection, @Nullable Throwable failure) throws java.sql.SQLException {
        java.sql.SQLException problem = null;
        try (java.sql.Statement rollback = connection.createStatement()) {
            rollback.execute("ROLLBACK"); // outside a transaction only a warning
        } catch (java.sql.SQLException e) {
            problem = e;
        }
        try (java.sql.PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?)");
                java.sql.Statement reset = connection.createStatement()) {
            unlock.setLong(1, advisoryKey);
            try (java.sql.ResultSet released = unlock.executeQuery()) {
                if (!released.next() || !released.getBoolean(1)) {
                    throw new java.sql.SQLException("the migration lock was not held at its release");
                }
            }
            reset.execute("RESET statement_timeout");
            problem = null; // the lock is back: a failed rollback of nothing does not matter
        } catch (java.sql.SQLException e) {
            if (problem != null) {
                e.addSuppressed(problem);
            }
            problem = e;
        }
        if (problem != null) {
            if (failure != null) {
                failure.addSuppressed(problem);
                return; // the work's failure is thrown, and it evicts the connection too
            }
            throw problem;
        }
    }

    private <T> T mysqlLocked(Transaction transaction, Function<Transaction, T> work) {
        boolean mariaDbTimeout = type == DatabaseType.MARIADB;
        if (mariaDbTimeout) {
            // max_statement_time would otherwise cut the lock wait short; GET_LOCK has its own timeout
            transaction.execute("SET SESSION max_statement_time = 0");
        }
        try {
            long seconds = Math.max(1, config.lockTimeout().toSeconds());
            Long got = transaction.statement("SELECT GET_LOCK(:name, :seconds)").bind("name", lockName)
                    .bind("seconds", seconds).timeout(config.lockTimeout().plus(WATCHDOG_SLACK)).one(Long.class);
            if (got == null || got != 1L) {
                throw new MigrationException(ErrorKind.TIMEOUT, "migration_lock_timeout", null, "database '"
                        + database.name() + "': another migration runner held the migration lock of "
                        + config.table() + " for more than " + seconds + " s", null);
            }
            try {
                if (mariaDbTimeout) {
                    transaction.execute("SET SESSION max_statement_time = " + seconds(statementTimeout()));
                }
                T result;
                try {
                    result = work.apply(transaction);
                } catch (RuntimeException | Error failure) {
                    transaction.execute("ROLLBACK");
                    throw failure;
                }
                // Commit before RELEASE_LOCK: released first, the lock would let the next runner read the schema
                // table before this step's row is committed, and it would apply the migration again. weft commits
                // only after this callback returns, and the named lock must be released on this connection, so
                // the commit is a statement here; weft's own commit then finds an empty transaction.
                transaction.execute("COMMIT");
                return result;
            } finally {
                transaction.statement("SELECT RELEASE_LOCK(:name)").bind("name", lockName).list();
            }
        } finally {
            if (mariaDbTimeout) {
                transaction.execute("SET SESSION max_statement_time = " + seconds(database.config().statementTimeout()));
            }
        }
    }

    /** @return the server-side timeout of migration statements: the runner's, else the database's */
    private Duration statementTimeout() {
        return config.statementTimeout().isZero() ? database.config().statementTimeout() : config.statementTimeout();
    }

    private static String seconds(Duration duration) {
        return Double.toString(duration.toMillis() / 1000.0);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
