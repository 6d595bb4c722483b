package dev.weft.db.migrate;

import dev.weft.core.ErrorKind;
import dev.weft.core.InvalidInputException;
import dev.weft.core.WeftException;
import dev.weft.db.Database;
import dev.weft.db.DatabaseException;
import dev.weft.db.DatabaseType;
import dev.weft.db.Query;
import dev.weft.db.Transaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migration runner over weft's {@link Database} API.
 *
 * <p>Every change is a loop of short steps. Each step is one transaction that takes the database-wide lock
 * ({@link MigrationLock}),
 * re-reads the schema table, refuses to go on if any migration is failed, changed or missing, picks the next
 * migration toward the goal and applies or rolls back that one migration. Re-reading under the lock is what
 * makes concurrent runners safe: a runner that waited for the lock sees the other's work and does not repeat it,
 * and goals are absolute (a version boundary), so two runners with one goal converge instead of doing the work
 * twice.
 */
final class DatabaseMigrationRunner implements MigrationRunner {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseMigrationRunner.class);

    private final Database database;
    private final MigrationSource source;
    private final MigrationConfig config;
    private final DatabaseType type;
    private final SchemaTable schema;
    private final MigrationLock lock;

    DatabaseMigrationRunner(Database database, MigrationSource source, MigrationConfig config) {
        this.database = database;
        this.source = source;
        this.config = config;
        this.type = database.type();
        this.schema = new SchemaTable(type, config.table());
        this.lock = new MigrationLock(database, config);
    }

    // ---- reading -------------------------------------------------------------------------------------------

    @Override
    public List<MigrationStatus> status() {
        List<Migration> migrations = source.migrations();
        Map<String, SchemaTable.Row> rows = schema.exists(database) ? schema.read(database) : Map.of();
        return MigrationStatuses.of(migrations, rows);
    }

    @Override
    public List<MigrationStatus> validate() {
        return status().stream().filter(status -> status.state().blocking()).toList();
    }

    @Override
    public List<Migration> pending() {
        List<Migration> migrations = source.migrations();
        Map<String, SchemaTable.Row> rows = schema.exists(database) ? schema.read(database) : Map.of();
        return migrations.stream()
                .filter(migration -> MigrationStatuses.find(rows, migration.version()) == null).toList();
    }

    @Override
    public boolean isCurrent() {
        return status().stream().allMatch(status -> status.state() == MigrationState.APPLIED);
    }

    // ---- changing ------------------------------------------------------------------------------------------

    @Override
    public MigrationResult migrate() {
        return change(new Goal("migrate", version -> false, version -> true));
    }

    @Override
    public MigrationResult migrate(String target) {
        Objects.requireNonNull(target, "target");
        if (!Migration.VERSION.matcher(target).matches()) {
            throw new InvalidInputException("invalid_version", "target", "'" + Migration.printable(target)
                    + "' is not a migration version: groups of digits separated by '.' or '_', as in 3 or 20261123_1200");
        }
        boolean known = status().stream().anyMatch(status -> Versions.compare(status.version(), target) == 0);
        if (!known) {
            throw new MigrationException(ErrorKind.NOT_FOUND, "migration_not_found", target, "database '"
                    + database.name() + "': no migration has version '" + Migration.printable(target)
                    + "', in the source or in " + config.table(), null);
        }
        return change(new Goal("migrate to " + target, version -> Versions.compare(version, target) > 0,
                version -> Versions.compare(version, target) <= 0));
    }

    @Override
    public MigrationResult rollback(String version) {
        Objects.requireNonNull(version, "version");
        boolean applied = status().stream().anyMatch(status -> Versions.compare(status.version(), version) == 0
                && status.state() != MigrationState.PENDING);
        if (!applied) {
            throw new MigrationException(ErrorKind.CONFLICT, "migration_not_applied", version, "database '"
                    + database.name() + "': migration " + Migration.printable(version)
                    + " is not applied, so it cannot be rolled back", null);
        }
        return change(new Goal("rollback " + version, candidate -> Versions.compare(candidate, version) >= 0,
                candidate -> false));
    }

    @Override
    public MigrationResult rollback(int steps) {
        if (steps < 1) {
            throw new InvalidInputException("invalid_steps", "steps", "steps must be >= 1, got " + steps);
        }
        List<String> applied = status().stream().filter(status -> status.state() != MigrationState.PENDING)
                .map(MigrationStatus::version).toList();
        if (applied.isEmpty()) {
            return new MigrationResult(List.of(), List.of(), null, Duration.ZERO);
        }
        // an absolute boundary, so two runners asked for one step roll back one migration between them
        String cut = applied.get(Math.max(0, applied.size() - steps));
        return change(new Goal("rollback " + steps, candidate -> Versions.compare(candidate, cut) >= 0,
                candidate -> false));
    }

    @Override
    public void repair(String version) {
        Objects.requireNonNull(version, "version");
        List<Migration> migrations = source.migrations();
        lock.locked(transaction -> {
            schema.createIfMissing(transaction);
            Map<String, SchemaTable.Row> rows = schema.read(transaction);
            MigrationStatus status = MigrationStatuses.of(migrations, rows).stream()
                    .filter(candidate -> Versions.compare(candidate.version(), version) == 0).findFirst()
                    .orElseThrow(() -> notFound(version));
            switch (status.state()) {
                case CHANGED -> schema.acceptChecksum(transaction, bySource(migrations, status.version()));
                case FAILED, MISSING -> schema.delete(transaction, status.version());
                case APPLIED, PENDING -> throw new MigrationException(ErrorKind.CONFLICT, "migration_not_repairable",
                        status.version(), "database '" + database.name() + "': migration " + status.version()
                                + " is " + status.state().name().toLowerCase(java.util.Locale.ROOT)
                                + "; only failed, changed or missing migrations can be repaired", null);
            }
            LOG.atInfo().setMessage("migration repaired").addKeyValue("database", database.name())
                    .addKeyValue("version", status.version()).addKeyValue("was", status.state().name()).log();
            return null;
        });
    }

    @Override
    public void markApplied(String version) {
        Objects.requireNonNull(version, "version");
        List<Migration> migrations = source.migrations();
        Migration migration = migrations.stream()
                .filter(candidate -> Versions.compare(candidate.version(), version) == 0).findFirst()
                .orElseThrow(() -> notFound(version));
        lock.locked(transaction -> {
            schema.createIfMissing(transaction);
            SchemaTable.Row row = MigrationStatuses.find(schema.read(transaction), migration.version());
            if (row == null) {
                schema.insert(transaction, migration, SchemaTable.STATE_APPLIED, config.clock().instant(), 0,
                        null, null);
            } else if (SchemaTable.STATE_FAILED.equals(row.state())) {
                schema.markApplied(transaction, migration, config.clock().instant());
            } else if (!row.checksum().equals(migration.checksum())) {
                throw new MigrationException(ErrorKind.CONFLICT, "migration_changed", migration.version(),
                        "database '" + database.name() + "': migration " + migration.version()
                                + " is applied but changed; use repair(\"" + migration.version() + "\")", null);
            }
            return null;
        });
        LOG.atInfo().setMessage("migration marked applied").addKeyValue("database", database.name())
                .addKeyValue("version", migration.version()).log();
    }

    // ---- the step loop -------------------------------------------------------------------------------------

    /** What a change aims at: versions above a boundary rolled back, pending ones up to a boundary applied. */
    private record Goal(String label, Predicate<String> rollBack, Predicate<String> apply) {
    }

    /**
     * One step's outcome: done, a version applied or rolled back, a failure recorded and to be thrown, or a
     * migration to run outside a transaction ({@link Migration#transactional()}), which the lock's transaction only
     * picked.
     */
    private record Step(@Nullable String applied, @Nullable String rolledBack, @Nullable String current,
            @Nullable MigrationException failure, @Nullable Migration outside, boolean outsideUp) {
        Step(@Nullable String applied, @Nullable String rolledBack, @Nullable String current,
                @Nullable MigrationException failure) {
            this(applied, rolledBack, current, failure, null, false);
        }

        static Step outside(Migration migration, boolean up) {
            return new Step(null, null, null, null, migration, up);
        }

        boolean done() {
            return applied == null && rolledBack == null && failure == null && outside == null;
        }
    }

    private MigrationResult change(Goal goal) {
        long started = System.nanoTime();
        List<Migration> migrations = source.migrations();
        lock.locked(transaction -> {
            schema.createIfMissing(transaction);
            return null;
        });
        List<String> applied = new ArrayList<>();
        List<String> rolledBack = new ArrayList<>();
        while (true) {
            Step step = lock.locked(transaction -> step(transaction, migrations, goal));
            Migration elsewhere = step.outside();
            if (elsewhere != null) {
                Optional<Step> done = outside(elsewhere, step.outsideUp());
                if (done.isEmpty()) {
                    continue; // another runner did it meanwhile: look again
                }
                step = done.get();
            }
            if (step.failure() != null) {
                throw step.failure();
            }
            if (step.done()) {
                return new MigrationResult(applied, rolledBack, step.current(),
                        Duration.ofNanos(System.nanoTime() - started));
            }
            if (step.applied() != null) {
                applied.add(step.applied());
            }
            if (step.rolledBack() != null) {
                rolledBack.add(step.rolledBack());
            }
        }
    }

    private Step step(Transaction transaction, List<Migration> migrations, Goal goal) {
        Map<String, SchemaTable.Row> rows = schema.read(transaction);
        List<MigrationStatus> statuses = MigrationStatuses.of(migrations, rows);
        for (MigrationStatus status : statuses) {
            if (status.state().blocking()) {
                throw blocked(status);
            }
        }
        String current = null;
        for (MigrationStatus status : statuses) {
            if (status.state() == MigrationState.APPLIED) {
                current = status.version();
            }
        }
        // roll back first, newest first
        for (MigrationStatus status : statuses.reversed()) {
            if (status.state() == MigrationState.APPLIED && goal.rollBack().test(status.version())) {
                Migration migration = bySource(migrations, status.version());
                if (runsOutside(migration) && migration.reversible()) {
                    return Step.outside(migration, false);
                }
                return rollBackOne(transaction, migration);
            }
        }
        for (MigrationStatus status : statuses) {
            if (status.state() == MigrationState.PENDING && goal.apply().test(status.version())) {
                Migration migration = bySource(migrations, status.version());
                return runsOutside(migration) ? Step.outside(migration, true) : applyOne(transaction, migration);
            }
        }
        return new Step(null, null, current, null);
    }

    private Step applyOne(Transaction transaction, Migration migration) {
        long started = System.nanoTime();
        MigrationException failure = runStatements(transaction, migration, migration.up(), "up");
        long elapsedMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        if (failure != null) {
            // Only reached where DDL is not transactional (MariaDB/MySQL): keep the record, commit, then throw.
            schema.insert(transaction, migration, SchemaTable.STATE_FAILED, config.clock().instant(), elapsedMs,
                    errorCode(failure), shortMessage(failure));
            return new Step(null, null, null, failure);
        }
        schema.insert(transaction, migration, SchemaTable.STATE_APPLIED, config.clock().instant(), elapsedMs,
                null, null);
        LOG.atInfo().setMessage("migration applied").addKeyValue("database", database.name())
                .addKeyValue("version", migration.version()).addKeyValue("migration", migration.name())
                .addKeyValue("duration_ms", elapsedMs).log();
        return new Step(migration.version(), null, null, null);
    }

    private Step rollBackOne(Transaction transaction, Migration migration) {
        if (!migration.reversible()) {
            throw new MigrationException(ErrorKind.CONFLICT, "migration_irreversible", migration.version(),
                    "database '" + database.name() + "': migration " + migration.version() + " ("
                            + migration.name() + ") has no down SQL, so it cannot be rolled back; nothing was "
                            + "rolled back from it on", null);
        }
        long started = System.nanoTime();
        MigrationException failure = runStatements(transaction, migration, migration.down(), "down");
        if (failure != null) {
            schema.markFailed(transaction, migration.version(), errorCode(failure), shortMessage(failure));
            return new Step(null, null, null, failure);
        }
        schema.delete(transaction, migration.version());
        LOG.atInfo().setMessage("migration rolled back").addKeyValue("database", database.name())
                .addKeyValue("version", migration.version()).addKeyValue("migration", migration.name())
                .addKeyValue("duration_ms", Duration.ofNanos(System.nanoTime() - started).toMillis()).log();
        return new Step(null, migration.version(), null, null);
    }

    /**
     * Whether a migration runs outside a transaction here: one that asks to ({@link Migration#transactional()}), on
     * PostgreSQL and SQLite. On MariaDB/MySQL DDL commits by itself, so the usual step already is what it asks for.
     */
    private boolean runsOutside(Migration migration) {
        return !migration.transactional() && !mysqlFamily();
    }

    /**
     * Applies or rolls back a no-transaction migration on one connection in autocommit mode, statement by statement,
     * holding the migration lock as a session lock on PostgreSQL; the schema table is read again and written in
     * short transactions of their own beside it, on a second connection (a pool of one is refused at once). On
     * SQLite, whose lock is a write transaction that would block the
     * statements themselves, they run without it (a second process migrating the same file at that moment could
     * run them too: keep such migrations to statements that may run twice, such as {@code VACUUM}).
     *
     * @return the step, or empty if another runner took it meanwhile
     */
    private Optional<Step> outside(Migration migration, boolean up) {
        if (database.config().pool().maxConnections() < 2) {
            // the lent connection holds the lock while the schema table is read and written on a second one
            throw new MigrationException(ErrorKind.INTERNAL, "migration_needs_two_connections", migration.version(),
                    "database '" + database.name() + "': migration " + migration.version() + " (" + migration.name()
                            + ") runs outside a transaction (-- weft:no-transaction), which takes two connections at "
                            + "once, and the pool has one; run the migrations with a pool of at least 2 "
                            + "(weft.db.pool.size or max-overflow)", null);
        }
        return database.withConnection(connection -> lock.session(connection, () -> {
            MigrationStatus status = MigrationStatuses.of(List.of(migration), database.inTransaction(schema::read))
                    .stream().filter(candidate -> Versions.compare(candidate.version(), migration.version()) == 0)
                    .findFirst().orElseThrow();
            if (status.state() != (up ? MigrationState.PENDING : MigrationState.APPLIED)) {
                return Optional.<Step>empty();
            }
            long started = System.nanoTime();
            String direction = up ? "up" : "down";
            List<String> statements = statements(migration, up ? migration.up() : migration.down(), direction);
            for (int index = 0; index < statements.size(); index++) {
                try (java.sql.Statement statement = connection.createStatement()) {
                    statement.execute(statements.get(index));
                } catch (java.sql.SQLException e) {
                    return Optional.of(recordOutsideFailure(migration, up, index, statements.size(), e));
                }
            }
            long elapsedMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
            database.inTransaction(transaction -> {
                if (up) {
                    schema.insert(transaction, migration, SchemaTable.STATE_APPLIED, config.clock().instant(),
                            elapsedMs, null, null);
                } else {
                    schema.delete(transaction, migration.version());
                }
                return true;
            });
            LOG.atInfo().setMessage(up ? "migration applied" : "migration rolled back")
                    .addKeyValue("database", database.name()).addKeyValue("version", migration.version())
                    .addKeyValue("migration", migration.name()).addKeyValue("duration_ms", elapsedMs)
                    .addKeyValue("in_transaction", false).log();
            return Optional.of(up ? new Step(migration.version(), null, null, null)
                    : new Step(null, migration.version(), null, null));
        }));
    }

    private Step recordOutsideFailure(Migration migration, boolean up, int index, int count,
            java.sql.SQLException error) {
        String code = "sql_error" + (error.getSQLState() == null ? "" : " SQLState " + error.getSQLState());
        String message = String.valueOf(error.getMessage());
        database.inTransaction(transaction -> {
            if (up) {
                schema.insert(transaction, migration, SchemaTable.STATE_FAILED, config.clock().instant(), 0, code,
                        message);
            } else {
                schema.markFailed(transaction, migration.version(), code, message);
            }
            return true;
        });
        MigrationException failure = new MigrationException(ErrorKind.INTERNAL, "migration_failed",
                migration.version(), "database '" + database.name() + "': migration " + migration.version() + " ("
                + migration.name() + "), which runs outside a transaction, failed " + (up ? "" : "to roll back ")
                + "at statement " + (index + 1) + " of " + count + " [" + code + "]: " + message + ". Statements 1.."
                + index + " may have taken effect (and a failed CREATE INDEX CONCURRENTLY leaves an INVALID index) "
                + "and the migration is recorded as failed in " + config.table() + ". "
                + repairAdvice(migration.version()), null);
        return new Step(null, null, null, failure);
    }

    private List<String> statements(Migration migration, String sql, String direction) {
        try {
            return SqlStatements.split(sql, mysqlFamily());
        } catch (dev.weft.core.InvalidInputException e) {
            throw Migration.invalid(migration.version(), "migration " + migration.version() + " (" + migration.name()
                    + "), " + direction + " SQL: " + e.getMessage());
        }
    }

    /**
     * Runs each statement of {@code sql}. Where DDL is transactional a failure is thrown, so the transaction
     * rolls back and the migration stays as it was; elsewhere it is returned, to be recorded.
     */
    private @Nullable MigrationException runStatements(Transaction transaction, Migration migration, String sql,
            String direction) {
        List<String> statements = statements(migration, sql, direction);
        for (int index = 0; index < statements.size(); index++) {
            String statement = statements.get(index);
            try {
                Query query = transaction.statement(statement);
                if (!config.statementTimeout().isZero()) {
                    query.timeout(config.statementTimeout());
                }
                String keyword = SqlStatements.firstKeyword(statement, mysqlFamily());
                if (keyword.equals("SELECT") || keyword.equals("VALUES") || keyword.equals("SHOW")) {
                    query.list();
                } else {
                    query.execute();
                }
            } catch (WeftException e) {
                MigrationException failure = failed(migration, direction, index, statements.size(), e);
                if (mysqlFamily()) {
                    return failure;
                }
                throw failure;
            }
        }
        return null;
    }

    private MigrationException failed(Migration migration, String direction, int index, int count,
            WeftException cause) {
        String where = "database '" + database.name() + "': migration " + migration.version() + " ("
                + migration.name() + ") failed " + (direction.equals("up") ? "" : "to roll back ") + "at statement "
                + (index + 1) + " of " + count + " [" + errorCode(cause) + "]: " + cause.getMessage();
        String hint;
        if (cause instanceof InvalidInputException && ("missing_parameter".equals(cause.code())
                || "invalid_sql".equals(cause.code()))) {
            hint = "; weft sends SQL through its :name parameter scanner, which read this statement as having "
                    + "parameters (a ':' or '?' outside quotes and comments); nothing of this statement ran";
        } else {
            hint = "";
        }
        String todo;
        if (mysqlFamily()) {
            todo = ". " + type + " commits DDL as it runs, so statements 1.." + index + " may have taken effect and "
                    + "the migration is recorded as failed in " + config.table() + ". "
                    + repairAdvice(migration.version());
        } else {
            todo = ". The transaction was rolled back: the migration " + (direction.equals("up")
                    ? "stays pending" : "stays applied") + "; fix its SQL and run again";
        }
        return new MigrationException(ErrorKind.INTERNAL, "migration_failed", migration.version(),
                where + hint + todo, cause);
    }

    /** What to do about a migration recorded as failed, which may be partly applied. */
    private static String repairAdvice(String version) {
        return "Fix the database by hand, then call repair(\"" + version + "\") to make it pending again (after "
                + "undoing its effects) or markApplied(\"" + version + "\") (after completing it)";
    }

    private MigrationException blocked(MigrationStatus status) {
        String prefix = "database '" + database.name() + "': migration " + status.version() + " (" + status.name()
                + ") ";
        return switch (status.state()) {
            case CHANGED -> new MigrationException(ErrorKind.CONFLICT, "migration_changed", status.version(), prefix
                    + "was changed after it was applied (checksum " + abbreviate(status.appliedChecksum())
                    + " applied, " + abbreviate(status.checksum()) + " now); nothing runs until this is resolved. "
                    + "Restore the migration as it was applied, or, if the change is deliberate and the database "
                    + "already matches it, call repair(\"" + status.version() + "\") to accept it", null);
            case FAILED -> new MigrationException(ErrorKind.INTERNAL, "migration_failed", status.version(), prefix
                    + "failed at " + status.appliedAt() + " [" + status.error() + "] and may be partly applied; "
                    + "nothing runs until this is resolved. " + repairAdvice(status.version()), null);
            case MISSING -> new MigrationException(ErrorKind.CONFLICT, "migration_missing", status.version(), prefix
                    + "is recorded as applied in " + config.table() + " but the migration source does not have it; "
                    + "nothing runs until this is resolved. Restore the migration file, or call repair(\""
                    + status.version() + "\") to forget it", null);
            case PENDING, APPLIED -> throw new IllegalStateException("not blocking: " + status.state());
        };
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private boolean mysqlFamily() {
        return type == DatabaseType.MARIADB || type == DatabaseType.MYSQL;
    }

    private static Migration bySource(List<Migration> migrations, String version) {
        for (Migration migration : migrations) {
            if (Versions.compare(migration.version(), version) == 0) {
                return migration;
            }
        }
        throw new IllegalStateException("no migration " + version + " in the source");
    }

    private MigrationException notFound(String version) {
        return new MigrationException(ErrorKind.NOT_FOUND, "migration_not_found", version, "database '"
                + database.name() + "': no migration has version '" + Migration.printable(version) + "'", null);
    }

    private static String errorCode(WeftException failure) {
        WeftException root = failure.getCause() instanceof WeftException cause ? cause : failure;
        String state = root instanceof DatabaseException db ? db.sqlState().map(s -> " SQLState " + s).orElse("")
                : "";
        return root.code() + state;
    }

    private static String shortMessage(WeftException failure) {
        WeftException root = failure.getCause() instanceof WeftException cause ? cause : failure;
        return String.valueOf(root.getMessage());
    }

    private static String abbreviate(@Nullable String checksum) {
        return checksum == null ? "none" : checksum.substring(0, Math.min(12, checksum.length()));
    }
}
