package dev.weft.db;

import dev.weft.core.InvalidInputException;
import dev.weft.core.VirtualThreads;
import dev.weft.core.WeftException;
import dev.weft.db.internal.ConnectionPool;
import dev.weft.db.internal.Dialect;
import dev.weft.db.internal.Identifiers;
import dev.weft.db.internal.NamedSql;
import dev.weft.db.internal.QueryRecorder;
import dev.weft.db.internal.RowMappers;
import dev.weft.db.internal.SqlErrors;
import dev.weft.db.internal.SqlFault;
import dev.weft.db.internal.SqlTables;
import dev.weft.db.internal.StatementWatchdog;
import dev.weft.db.internal.TableKeys;
import dev.weft.db.internal.ValueBinder;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every operation of one database: SQL building, binding, timeouts, retry, error translation and metrics.
 * Sessions supply the connections. Thread-safe.
 */
final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** The transaction open on this thread, so that plain {@code db.query(...)} calls inside it join it. */
    private static final ScopedValue<JdbcTransaction> OPEN = ScopedValue.newInstance();

    private final DatabaseConfig config;
    private final Dialect dialect;
    private final ConnectionPool pool;
    private final StatementWatchdog watchdog;
    private final QueryRecorder recorder;
    private final EmulatedReturning emulation;
    private final ExecutorService executor;
    private final Retry readRetry;
    private final Retry transactionRetry;
    private final dev.weft.cache.Cache queryCache;
    private final java.util.concurrent.ConcurrentHashMap<String, String> writeTags =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.Set<String>> readTags =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.locks.@Nullable ReentrantLock sqliteWriter;
    private volatile boolean closed;

    Engine(DatabaseConfig config, @Nullable MeterRegistry registry, dev.weft.cache.Cache queryCache) {
        this.config = config;
        this.queryCache = queryCache;
        this.dialect = Dialect.of(config.type());
        this.pool = new ConnectionPool(config, dialect, registry);
        this.sqliteWriter = config.type() == DatabaseType.SQLITE ? new java.util.concurrent.locks.ReentrantLock(true)
                : null;
        this.watchdog = new StatementWatchdog(config.name());
        this.emulation = new EmulatedReturning(this, dialect, new TableKeys(), config.name());
        this.recorder = new QueryRecorder(config.name(), registry, config.slowQueryThreshold());
        this.executor = VirtualThreads.newExecutor("weft-db-" + config.name());
        this.readRetry = retry("weft-db-" + config.name() + "-reads", config.retry(), Engine::isRetryableFault);
        this.transactionRetry = retry("weft-db-" + config.name() + "-transactions", config.retry(),
                error -> error instanceof DatabaseException db && "serialization_failure".equals(db.code()));
        LOG.atInfo().setMessage("database opened")
                .addKeyValue("database", config.name())
                .addKeyValue("url", config.redactedUrl())
                .addKeyValue("pool_size", config.pool().size())
                .addKeyValue("max_overflow", config.pool().maxOverflow())
                .log();
    }

    private static Retry retry(String name, RetryConfig policy, java.util.function.Predicate<Throwable> when) {
        IntervalFunction fullJitter = attempt -> {
            long bound = policy.backoffBound(attempt).toMillis();
            return Math.max(1, ThreadLocalRandom.current().nextLong(bound + 1));
        };
        return Retry.of(name, io.github.resilience4j.retry.RetryConfig.custom()
                .maxAttempts(Math.max(1, policy.maxRetries()))
                .intervalFunction(fullJitter)
                .retryOnException(when)
                .failAfterMaxAttempts(false)
                .build());
    }

    private static boolean isRetryableFault(Throwable error) {
        // Failing to open a connection is not retried here: the pool already waited, and a down server
        // should answer 503 fast. Nor is a refusal because the database is known down (it names when to come back:
        // retrying sooner only delays the 503 by the backoff, 41 ms at the median in the fault suite).
        return error instanceof DatabaseException db && db.retryable() && !(error instanceof PoolExhaustedException)
                && !(error instanceof ConnectionPool.ConnectFailedException) && db.retryAfter().isEmpty();
    }

    DatabaseConfig config() {
        return config;
    }

    ConnectionPool pool() {
        return pool;
    }

    QueryRecorder recorder() {
        return recorder;
    }

    ExecutorService executor() {
        return executor;
    }

    dev.weft.cache.Cache queryCache() {
        return queryCache;
    }

    // ---- health ------------------------------------------------------------------------------------------

    /** Runs SELECT 1 on a virtual thread and waits at most {@code timeout}, so a stuck pool cannot stall it. */
    Health health(Session session, Duration timeout) {
        java.util.Objects.requireNonNull(timeout, "timeout");
        long start = System.nanoTime();
        java.util.concurrent.CompletableFuture<Integer> probe = new java.util.concurrent.CompletableFuture<>();
        Thread prober = Thread.ofVirtual().name("weft-db-" + config.name() + "-health").start(() -> {
            try {
                Spec spec = spec("SELECT 1", new java.util.LinkedHashMap<>(), timeout, 0, false);
                probe.complete(list(session, spec, RowMappers.of(Integer.class)).getFirst());
            } catch (Throwable e) {
                probe.completeExceptionally(e);
            }
        });
        java.util.Map<String, Object> details = new java.util.LinkedHashMap<>();
        PoolStatus status = pool.status();
        details.put("checked_out", status.checkedOut());
        details.put("waiting", status.waiting());
        try {
            probe.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            return new Health(true, Duration.ofNanos(System.nanoTime() - start), java.util.Optional.empty(), details);
        } catch (java.util.concurrent.TimeoutException e) {
            // Do not leave it waiting in the pool: a waiter keeps HikariCP's creator retrying a dead server with a
            // growing backoff, which delays the reconnect once the server is back (FailoverCluster's stand-by).
            prober.interrupt();
            return new Health(false, timeout, java.util.Optional.of("timeout"), details);
        } catch (java.util.concurrent.ExecutionException e) {
            String code = e.getCause() instanceof WeftException weft ? weft.code() : "internal_error";
            return new Health(false, Duration.ofNanos(System.nanoTime() - start), java.util.Optional.of(code), details);
        } catch (InterruptedException e) {
            prober.interrupt();
            Thread.currentThread().interrupt();
            return new Health(false, Duration.ofNanos(System.nanoTime() - start), java.util.Optional.of("interrupted"),
                    details);
        }
    }

    DatabaseInfo info(Session session) {
        String version = list(session, spec(dialect.versionQuery(), new java.util.LinkedHashMap<>(), null, 0, true),
                RowMappers.of(String.class)).getFirst();
        long tables = list(session, spec(dialect.tableCountQuery(), new java.util.LinkedHashMap<>(), null, 0, true),
                RowMappers.of(Long.class)).getFirst();
        return new DatabaseInfo(config.name(), config.type().name().toLowerCase(java.util.Locale.ROOT), version,
                tables, config.redactedUrl());
    }

    // ---- query cache -------------------------------------------------------------------------------------

    /** The tag of every cached query, invalidated by writes weft cannot attribute to a table. */
    static final String ALL_TABLES = "*";
    private static final String NO_WRITE = "";

    static String tableTag(String table) {
        return "t:" + table.toLowerCase(java.util.Locale.ROOT);
    }

    <T> List<T> cachedList(Session session, Spec spec, Class<T> type, RowMapper<T> mapper, @Nullable String key,
            Duration ttl, java.util.@Nullable Set<String> tables) {
        dev.weft.cache.spi.CacheInputs.ttl(ttl);
        if (!writeTagOf(spec.sql().sql()).isEmpty()) {
            throw new InvalidInputException("cache_needs_read", "cached", "only a read can be cached");
        }
        java.util.Set<String> tags = new java.util.HashSet<>();
        tags.add(ALL_TABLES);
        if (tables == null) {
            tags.addAll(readTagsOf(spec.sql().sql()));
        } else {
            for (String table : tables) {
                tags.add(tableTag(Identifiers.check("table", table)));
            }
        }
        if (session instanceof JdbcTransaction) {
            return list(session, spec, mapper); // a transaction must see its own writes
        }
        String cacheKey = key != null ? "k:" + key : derivedKey(spec, type);
        // Cached rows are shared by every later hit: hand out lists (and map rows) nobody can change.
        return queryCache.getOrLoad(cacheKey, dev.weft.cache.TypeRef.listOf(type), ttl, tags,
                () -> unmodifiable(list(session, spec, mapper)));
    }

    /** The table tags a cached read depends on, parsed once per SQL text. */
    private java.util.Set<String> readTagsOf(String sql) {
        java.util.Set<String> cached = readTags.get(sql);
        if (cached != null) {
            return cached;
        }
        java.util.Set<String> read = SqlTables.readTables(sql, dialect.backslashEscapes()).orElseThrow(() ->
                new InvalidInputException("cache_tables_unknown", "tables", "cannot tell surely which tables this "
                        + "query reads; declare them with .tables(...) to cache it"));
        java.util.Set<String> tags = new java.util.HashSet<>();
        read.forEach(table -> tags.add(tableTag(table)));
        if (readTags.size() > 4096) {
            readTags.clear();
        }
        readTags.put(sql, java.util.Set.copyOf(tags));
        return tags;
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> unmodifiable(List<T> rows) {
        List<T> copy = new ArrayList<>(rows.size());
        for (T row : rows) {
            copy.add(row instanceof Map<?, ?> map ? (T) java.util.Collections.unmodifiableMap(map) : row);
        }
        return java.util.Collections.unmodifiableList(copy);
    }

    /** A key from the SQL text, the row type and each parameter's type and value, hashed to a fixed length. */
    private static String derivedKey(Spec spec, Class<?> type) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            StringBuilder text = new StringBuilder(spec.sql().sql()).append('\0').append(type.getName());
            new java.util.TreeMap<>(spec.params()).forEach((name, value) -> {
                text.append('\0').append(name).append('=');
                if (value != null) {
                    text.append(value.getClass().getName()).append(':').append(value instanceof byte[] bytes
                            ? java.util.HexFormat.of().formatHex(bytes) : value.toString());
                }
            });
            return "q:" + java.util.HexFormat.of().formatHex(
                    digest.digest(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    long invalidateQueryCache(String tablePattern) {
        java.util.Objects.requireNonNull(tablePattern, "tablePattern");
        long matched = queryCache.invalidateTags("t:" + tablePattern.toLowerCase(java.util.Locale.ROOT));
        if (tablePattern.equals("*")) {
            queryCache.invalidateTag(ALL_TABLES);
        }
        return matched;
    }

    /** The tag a statement's success invalidates: its table's, {@code *} if unknown, none for a read. */
    private String writeTagOf(String sql) {
        String tag = writeTags.get(sql);
        if (tag == null) {
            boolean mysqlFamily = dialect.backslashEscapes();
            tag = SqlTables.isRead(sql, mysqlFamily) ? NO_WRITE
                    : SqlTables.writeTarget(sql, mysqlFamily).map(Engine::tableTag).orElse(ALL_TABLES);
            if (writeTags.size() > 4096) {
                writeTags.clear();
            }
            writeTags.put(sql, tag);
        }
        return tag;
    }

    /** After a write: invalidate now, or at commit if inside a transaction. */
    private void wrote(Session session, String tag) {
        if (tag.isEmpty()) {
            return;
        }
        if (session instanceof JdbcTransaction transaction) {
            transaction.wrote(tag);
        } else {
            queryCache.invalidateTag(tag);
        }
    }

    void invalidateAfterCommit(java.util.Set<String> tags) {
        tags.forEach(queryCache::invalidateTag);
    }

    @Nullable JdbcTransaction openTransaction() {
        if (OPEN.isBound()) {
            JdbcTransaction open = OPEN.get();
            return open.engine() == this ? open : null;
        }
        return null;
    }

    /**
     * The first attempt runs directly (the common case costs nothing); only a retryable failure hands over to the
     * Resilience4j retry, after the first backoff, for the remaining attempts.
     */
    <T> T retryReads(Supplier<T> attempt) {
        try {
            return attempt.get();
        } catch (RuntimeException first) {
            if (config.retry().maxRetries() == 0 || !isRetryableFault(first)) {
                throw first;
            }
            backoff(1, first);
            try {
                return readRetry.executeSupplier(attempt);
            } catch (RuntimeException last) {
                if (last != first) {
                    last.addSuppressed(first);
                }
                throw last;
            }
        }
    }

    private void backoff(int attempt, RuntimeException failure) {
        long bound = config.retry().backoffBound(attempt).toMillis();
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(bound + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure;
        }
    }

    // ---- one operation's bookkeeping ------------------------------------------------------------------------

    /** One operation: its id, what it runs, and what happened to its connection. */
    static final class Call {
        final long id = QueryRecorder.nextId();
        final String type;
        final String sql;
        final long start = System.nanoTime();
        @Nullable Duration timedOutAfter;
        boolean broken;
        /** Whether it runs in one transaction that weft commits, so a failure before COMMIT committed nothing. */
        boolean atomic;

        Call(String type, String sql) {
            this.type = type;
            this.sql = sql;
        }

        void newAttempt() {
            timedOutAfter = null;
            broken = false;
        }

        boolean connectionBroken() {
            return broken;
        }

        String describe() {
            return type + " " + QueryRecorder.label(id);
        }
    }

    Call call(String type, String sql) {
        if (closed) {
            throw new DatabaseUnavailableException("database '" + config.name() + "' is closed", null, null);
        }
        return new Call(type, sql);
    }

    /**
     * On SQLite, waits for this database's single writer turn before a call that writes borrows a connection.
     *
     * <p>Why: SQLite admits one writer; a second one waits in the driver's native busy handler, which holds its
     * carrier thread (JNI cannot unmount a virtual thread). With two carriers, two such waiters stall the writer that
     * holds the lock until the busy timeout. Waiting here instead parks the virtual thread, in FIFO order. The lock
     * is reentrant (a transaction and the writes inside it take one turn) and is always taken before a connection,
     * never after, so the two cannot deadlock. Reads never take it: WAL readers do not wait for the writer.
     *
     * @return whether a turn was taken; pass it to {@link #leaveWriterTurn(boolean)}
     * @throws PoolExhaustedException if no turn came within the pool's acquire timeout or the caller's deadline
     */
    boolean enterWriterTurn(Call call) {
        if (sqliteWriter == null || !writes(call)) {
            return false;
        }
        long timeoutMillis = config.pool().acquireTimeout().toMillis();
        dev.weft.core.Deadline deadline = dev.weft.core.Deadline.current().orElse(null);
        if (deadline != null) { // as for a connection: the caller's deadline bounds the wait, if earlier
            timeoutMillis = Math.min(timeoutMillis, deadline.remaining().toMillis());
        }
        try {
            if (sqliteWriter.tryLock(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseUnavailableException("database '" + config.name() + "': interrupted while waiting "
                    + "for the SQLite writer turn (" + call.describe() + ")", null, e);
        }
        throw new PoolExhaustedException("database '" + config.name() + "': no SQLite writer turn in "
                + timeoutMillis + " ms for " + call.describe() + " (waiting writers=" + sqliteWriter.getQueueLength()
                + ")");
    }

    /** Gives back a turn {@link #enterWriterTurn(Call)} took. */
    void leaveWriterTurn(boolean taken) {
        if (taken && sqliteWriter != null) {
            sqliteWriter.unlock();
        }
    }

    boolean writes(Call call) {
        return switch (call.type) {
            case "stream", "savepoint" -> false;
            case "query", "execute" -> !writeTagOf(call.sql).isEmpty(); // classified once per SQL text
            default -> true; // transaction, batch, insert, update, delete, bulk_insert
        };
    }

    DatabaseException translate(SQLException error, Call call) {
        DatabaseException translated = SqlErrors.translate(error, dialect, config.name(), call.describe(),
                call.timedOutAfter);
        SqlFault fault = dialect.classify(error);
        if (call.timedOutAfter != null || SqlErrors.poisonsConnection(fault)) {
            call.broken = true;
        }
        if (fault == SqlFault.CONNECTION) {
            pool.suspect(); // a lost connection may be a lost server: have the health checker look now
        }
        return translated;
    }

    /**
     * Translates a failure of a call that may have been committing: a {@code COMMIT}, or a write in autocommit
     * mode. A lost connection then leaves the outcome unknown (the server may have committed before the reply was
     * lost), which callers must be able to tell from "nothing was committed".
     */
    DatabaseException translateCommitting(SQLException error, Call call) {
        DatabaseException translated = translate(error, call);
        if (translated instanceof QueryTimeoutException) {
            // the cancel races the statement: an autocommit write or a COMMIT may have finished before it arrived
            return new CommitOutcomeUnknownException("database '" + config.name() + "': " + call.describe()
                    + " was cancelled by its timeout while it may have been committing; the outcome is unknown",
                    translated.sqlState().orElse(null), error);
        }
        if (translated instanceof DatabaseUnavailableException && !(translated instanceof DatabaseReadOnlyException)) {
            return new CommitOutcomeUnknownException("database '" + config.name() + "': " + call.describe()
                    + " lost its connection while the database may have been committing; the outcome is unknown",
                    translated.sqlState().orElse(null), error);
        }
        return translated;
    }

    private void succeeded(Call call, long rows) {
        recorder.record(call.id, call.type, call.sql, call.start, rows, null, false);
        LOG.atDebug().setMessage("database operation")
                .addKeyValue("database", config.name()).addKeyValue("query_id", () -> QueryRecorder.label(call.id))
                .addKeyValue("operation", call.type).addKeyValue("rows", rows)
                .addKeyValue("duration_ms", (System.nanoTime() - call.start) / 1_000_000.0)
                .addKeyValue("outcome", "success").log();
    }

    private RuntimeException failed(Call call, RuntimeException error) {
        String code = error instanceof WeftException weft ? weft.code() : "internal_error";
        recorder.record(call.id, call.type, call.sql, call.start, 0, code, error instanceof QueryTimeoutException);
        LOG.atDebug().setMessage("database operation failed")
                .addKeyValue("database", config.name()).addKeyValue("query_id", () -> QueryRecorder.label(call.id))
                .addKeyValue("operation", call.type).addKeyValue("error_code", code)
                .addKeyValue("duration_ms", (System.nanoTime() - call.start) / 1_000_000.0)
                .addKeyValue("outcome", "error").log();
        return error;
    }

    /**
     * A statement ready to run: parsed, its parameters checked, its timeout resolved.
     *
     * @param timeout the watchdog's timeout, ZERO for none
     * @param sessionTimeout a session statement timeout to set around this statement, when it must outlive the
     *     server-side default (or have none), else {@code null}
     */
    record Spec(NamedSql sql, Map<String, Object> params, Duration timeout, @Nullable Duration sessionTimeout,
            int fetchSize, boolean retry) {
    }

    /**
     * @param retry the caller's explicit choice, or {@code null}: then reads retry and anything that writes (an
     *     INSERT ... RETURNING run as a query, say) does not, since a write whose connection dropped may have run
     */
    Spec spec(String sql, Map<String, Object> params, @Nullable Duration timeout, int fetchSize,
            @Nullable Boolean retry, boolean read) {
        boolean retries = retry != null ? retry : read && writeTagOf(sql).isEmpty();
        return spec(sql, params, timeout, fetchSize, retries);
    }

    Spec spec(String sql, Map<String, Object> params, @Nullable Duration timeout, int fetchSize, boolean retry) {
        NamedSql parsed = NamedSql.parse(sql, dialect.backslashEscapes());
        parsed.checkParameters(params);
        params.forEach(ValueBinder::check);
        return new Spec(parsed, params, effectiveTimeout(timeout), sessionTimeoutFor(timeout), fetchSize, retry);
    }

    /**
     * Where the server enforces the configured timeout as a session setting, a statement that asked for a longer
     * one (or none) must lift it for its own run; a shorter one is enforced by the watchdog first anyway.
     */
    @Nullable Duration sessionTimeoutFor(@Nullable Duration explicit) {
        if (explicit == null || !dialect.serverSideStatementTimeout() || config.statementTimeout().isZero()) {
            return null;
        }
        return explicit.isZero() || explicit.compareTo(config.statementTimeout()) > 0 ? explicit : null;
    }

    /** Runs work with the session's statement timeout lifted to {@code timeout}, restored afterwards. */
    <T> T withSessionTimeout(Connection connection, @Nullable Duration timeout, Session.Work<T> work)
            throws SQLException {
        if (timeout == null) {
            return work.run(connection);
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(dialect.sessionTimeoutSql(timeout));
        }
        try {
            return work.run(connection);
        } finally {
            try (Statement statement = connection.createStatement()) {
                statement.execute(dialect.sessionTimeoutSql(config.statementTimeout()));
            } catch (SQLException e) {
                // In an aborted PostgreSQL transaction the reset fails, but the rollback reverts the SET itself.
            }
        }
    }

    /** The timeout weft's watchdog enforces; ZERO when the server enforces the configured one itself. */
    private Duration effectiveTimeout(@Nullable Duration explicit) {
        if (explicit != null) {
            return explicit;
        }
        return dialect.serverSideStatementTimeout() ? Duration.ZERO : config.statementTimeout();
    }

    /** The part of a statement's work that the watchdog guards. */
    @FunctionalInterface
    interface StatementBody<T> {
        T run() throws SQLException;
    }

    /** Runs a statement under the watchdog; marks the call if the timeout fired. */
    <T> T watched(Statement statement, Duration timeout, Call call, StatementBody<T> body)
            throws SQLException {
        StatementWatchdog.Guard guard = watchdog.watch(statement, timeout);
        T result;
        try {
            result = body.run();
        } finally {
            guard.close();
            if (guard.fired()) {
                call.timedOutAfter = timeout;
                call.broken = true;
            }
        }
        if (guard.fired()) {
            // Some servers answer a cancelled statement normally (MariaDB's SLEEP returns 1): the result of a
            // statement that outlived its timeout is not trusted.
            throw new SQLException("statement cancelled by its timeout", "57014");
        }
        return result;
    }

    // ---- queries -------------------------------------------------------------------------------------------

    <T> List<T> list(Session session, Spec spec, RowMapper<T> mapper) {
        Call call = call("query", spec.sql().sql());
        try {
            List<T> rows = session.run(call, spec.retry(), pooled -> withSessionTimeout(pooled, spec.sessionTimeout(),
                    connection -> {
                try (PreparedStatement statement = connection.prepareStatement(spec.sql().jdbcSql())) {
                    if (spec.fetchSize() > 0) {
                        statement.setFetchSize(spec.fetchSize());
                    }
                    ValueBinder.bindAll(statement, spec.sql(), spec.params(), dialect);
                    return watched(statement, spec.timeout(), call, () -> {
                        try (ResultSet result = statement.executeQuery()) {
                            return readAll(result, mapper);
                        }
                    });
                }
            }));
            succeeded(call, rows.size());
            wrote(session, writeTagOf(spec.sql().sql()));
            return rows;
        } catch (RuntimeException e) {
            throw failed(call, e);
        }
    }

    private static <T> List<T> readAll(ResultSet result, RowMapper<T> mapper) throws SQLException {
        RowMapper<T> bound = RowMappers.bind(mapper, result);
        List<T> rows = new ArrayList<>();
        while (result.next()) {
            rows.add(bound.map(result));
        }
        return rows;
    }

    long update(Session session, Spec spec) {
        Call call = call("execute", spec.sql().sql());
        try {
            long count = session.run(call, spec.retry(), pooled -> withSessionTimeout(pooled, spec.sessionTimeout(),
                    connection -> {
                try (PreparedStatement statement = connection.prepareStatement(spec.sql().jdbcSql())) {
                    ValueBinder.bindAll(statement, spec.sql(), spec.params(), dialect);
                    return watched(statement, spec.timeout(), call, () -> (long) statement.executeUpdate());
                }
            }));
            succeeded(call, count);
            wrote(session, writeTagOf(spec.sql().sql()));
            return count;
        } catch (RuntimeException e) {
            throw failed(call, e);
        }
    }

    // ---- streaming -----------------------------------------------------------------------------------------

    <T> Stream<T> stream(Session session, Spec spec, RowMapper<T> mapper) {
        Call call = call("stream", spec.sql().sql());
        Session.Borrowed borrowed;
        try {
            borrowed = session.borrow();
        } catch (RuntimeException e) {
            throw failed(call, e);
        }
        RowCursor<T> cursor = new RowCursor<>(call, borrowed);
        try {
            cursor.open(spec, mapper);
        } catch (SQLException e) {
            DatabaseException translated = translate(e, call);
            cursor.closeQuietly(translated); // records the failure
            throw translated;
        } catch (RuntimeException e) {
            cursor.closeQuietly(e);
            throw e;
        } catch (Error e) {
            cursor.closeQuietly(e);
            throw e;
        }
        return StreamSupport.stream(cursor, false).onClose(cursor::close);
    }

    /** A server-side cursor read one row at a time; gives its connection back when exhausted or closed. */
    private final class RowCursor<T> extends Spliterators.AbstractSpliterator<T> {
        private final Call call;
        private final Session.Borrowed borrowed;
        private PreparedStatement statement;
        private ResultSet result;
        private RowMapper<T> mapper;
        private boolean autoCommitChanged;
        private boolean timeoutLifted;
        private long rows;
        private boolean closed;
        private @Nullable Throwable failure;

        RowCursor(Call call, Session.Borrowed borrowed) {
            super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
            this.call = call;
            this.borrowed = borrowed;
        }

        void open(Spec spec, RowMapper<T> rowMapper) throws SQLException {
            Connection connection = borrowed.connection();
            if (dialect.streamingNeedsTransaction() && connection.getAutoCommit()) {
                connection.setAutoCommit(false);
                autoCommitChanged = true;
            }
            if (spec.sessionTimeout() != null) {
                // a stream that asked for a longer timeout lifts the session's until it closes
                try (Statement set = connection.createStatement()) {
                    set.execute(dialect.sessionTimeoutSql(spec.sessionTimeout()));
                }
                timeoutLifted = true;
            }
            statement = connection.prepareStatement(spec.sql().jdbcSql(), ResultSet.TYPE_FORWARD_ONLY,
                    ResultSet.CONCUR_READ_ONLY);
            dialect.configureStreaming(connection, statement,
                    spec.fetchSize() > 0 ? spec.fetchSize() : Batch.DEFAULT_CHUNK_SIZE);
            ValueBinder.bindAll(statement, spec.sql(), spec.params(), dialect);
            result = watched(statement, spec.timeout(), call, () -> statement.executeQuery());
            mapper = RowMappers.bind(rowMapper, result);
        }

        @Override
        public boolean tryAdvance(Consumer<? super T> action) {
            if (closed) {
                return false;
            }
            try {
                if (!result.next()) {
                    close();
                    return false;
                }
                rows++;
                action.accept(mapper.map(result));
                return true;
            } catch (SQLException e) {
                DatabaseException translated = translate(e, call);
                failure = translated;
                close();
                throw translated;
            } catch (RuntimeException | Error e) {
                failure = e;
                close();
                throw e;
            }
        }

        void closeQuietly(Throwable cause) {
            failure = cause;
            close();
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            boolean broken = call.broken;
            try {
                if (result != null) {
                    result.close();
                }
                if (statement != null) {
                    statement.close();
                }
                if (autoCommitChanged) {
                    Connection connection = borrowed.connection();
                    connection.rollback(); // read-only cursor: nothing to keep; also ends an aborted transaction
                    connection.setAutoCommit(true);
                    autoCommitChanged = false;
                }
                if (timeoutLifted) {
                    try (Statement reset = borrowed.connection().createStatement()) {
                        reset.execute(dialect.sessionTimeoutSql(config.statementTimeout()));
                    }
                }
            } catch (SQLException e) {
                broken = true;
            } finally {
                borrowed.release(broken);
            }
            if (failure == null) {
                succeeded(call, rows);
            } else if (failure instanceof RuntimeException runtime) {
                failed(call, runtime);
            }
        }
    }

    // ---- writes --------------------------------------------------------------------------------------------

    <T> WriteResult<T> write(Session session, Write.Kind kind, String table, Map<String, ?> data,
            Map<String, ?> where, List<String> returning, @Nullable Duration timeout, boolean retry,
            RowMapper<T> mapper) {
        String quotedTable = dialect.quote(Identifiers.check("table", table));
        checkColumns("column", data);
        checkColumns("where column", where);
        for (String column : returning) {
            Identifiers.check("returning column", column);
        }
        if (kind != Write.Kind.DELETE && data.isEmpty()) {
            throw new InvalidInputException("empty_write", "data", kind.name().toLowerCase() + " into " + table
                    + " has no columns to write");
        }
        if (kind != Write.Kind.INSERT && where.isEmpty()) {
            throw new InvalidInputException("missing_where", "where", kind.name().toLowerCase() + " of " + table
                    + " without a where condition is refused; use execute() for a deliberate full-table write");
        }
        Duration effective = effectiveTimeout(timeout);
        Duration lifted = sessionTimeoutFor(timeout);
        Dialect.WriteKind writeKind = Dialect.WriteKind.valueOf(kind.name());
        String sql = writeSql(kind, quotedTable, data, where);
        Call call = call(kind.name().toLowerCase(), sql);
        try {
            WriteResult<T> result;
            if (returning.isEmpty()) {
                result = session.run(call, retry, pooled -> withSessionTimeout(pooled, lifted, connection ->
                        new WriteResult<T>(executeBound(connection, sql, values(data, where), effective, call),
                                List.of())));
            } else if (dialect.nativeReturning(writeKind)) {
                String withReturning = sql + " RETURNING " + quotedList(returning);
                result = session.run(call, retry, pooled -> withSessionTimeout(pooled, lifted, connection -> {
                    List<T> rows = queryBound(connection, withReturning, values(data, where), effective, call, mapper);
                    return new WriteResult<>(rows.size(), rows);
                }));
            } else {
                result = session.runAtomically(call, retry, pooled -> withSessionTimeout(pooled, lifted,
                        connection -> switch (kind) {
                    case INSERT -> emulation.insert(connection, table, quotedTable, sql, data, returning, effective,
                            call, mapper);
                    case UPDATE -> emulation.update(connection, table, quotedTable, data, where, returning, effective,
                            call, mapper);
                    case DELETE -> emulation.delete(connection, quotedTable, sql, where, returning, effective, call,
                            mapper);
                }));
            }
            succeeded(call, result.count());
            wrote(session, tableTag(table));
            return result;
        } catch (RuntimeException e) {
            throw failed(call, e);
        }
    }

    private static void checkColumns(String role, Map<String, ?> columns) {
        for (Map.Entry<String, ?> entry : columns.entrySet()) {
            Identifiers.check(role, entry.getKey());
            ValueBinder.check(entry.getKey(), entry.getValue());
        }
    }

    private String writeSql(Write.Kind kind, String quotedTable, Map<String, ?> data, Map<String, ?> where) {
        StringBuilder sql = new StringBuilder(64);
        switch (kind) {
            case INSERT -> {
                sql.append("INSERT INTO ").append(quotedTable).append(" (").append(quotedList(data.keySet()))
                        .append(") VALUES (");
                for (int i = 0; i < data.size(); i++) {
                    sql.append(i == 0 ? "?" : ", ?");
                }
                sql.append(')');
            }
            case UPDATE -> {
                sql.append("UPDATE ").append(quotedTable).append(" SET ");
                int i = 0;
                for (String column : data.keySet()) {
                    sql.append(i++ == 0 ? "" : ", ").append(dialect.quote(column)).append(" = ?");
                }
                appendWhere(sql, where);
            }
            case DELETE -> {
                sql.append("DELETE FROM ").append(quotedTable);
                appendWhere(sql, where);
            }
        }
        return sql.toString();
    }

    void appendWhere(StringBuilder sql, Map<String, ?> where) {
        sql.append(" WHERE ");
        int i = 0;
        for (Map.Entry<String, ?> condition : where.entrySet()) {
            sql.append(i++ == 0 ? "" : " AND ").append(dialect.quote(condition.getKey()))
                    .append(condition.getValue() == null ? " IS NULL" : " = ?");
        }
    }

    /** The values of the placeholders of {@link #writeSql}: data first, then the non-null where values. */
    static List<Object> values(Map<String, ?> data, Map<String, ?> where) {
        List<Object> values = new ArrayList<>(data.size() + where.size());
        values.addAll(data.values());
        for (Object value : where.values()) {
            if (value != null) {
                values.add(value);
            }
        }
        return values;
    }

    String quotedList(Iterable<String> columns) {
        StringBuilder out = new StringBuilder();
        for (String column : columns) {
            out.append(out.isEmpty() ? "" : ", ").append(dialect.quote(column));
        }
        return out.toString();
    }

    void bindPositional(PreparedStatement statement, List<?> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            ValueBinder.bind(statement, i + 1, "value " + (i + 1), values.get(i), dialect);
        }
    }

    long executeBound(Connection connection, String sql, List<?> values, Duration timeout, Call call)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bindPositional(statement, values);
            return watched(statement, timeout, call, () -> (long) statement.executeUpdate());
        }
    }

    <T> List<T> queryBound(Connection connection, String sql, List<?> values, Duration timeout, Call call,
            RowMapper<T> mapper) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bindPositional(statement, values);
            return watched(statement, timeout, call, () -> {
                try (ResultSet result = statement.executeQuery()) {
                    return readAll(result, mapper);
                }
            });
        }
    }

    // ---- batches and bulk inserts --------------------------------------------------------------------------

    long batch(Session session, String sql, List<? extends Map<String, ?>> rows, int chunkSize) {
        NamedSql parsed = NamedSql.parse(sql, dialect.backslashEscapes());
        for (int i = 0; i < rows.size(); i++) {
            Map<String, ?> row = rows.get(i);
            try {
                parsed.checkParameters(row);
                row.forEach(ValueBinder::check);
            } catch (InvalidInputException e) {
                throw new InvalidInputException(e.code(), "rows[" + i + "]." + e.field(),
                        "batch row " + i + ": " + e.getMessage());
            }
        }
        Call call = call("batch", sql);
        if (rows.isEmpty()) {
            succeeded(call, 0);
            return 0;
        }
        try {
            long total = session.runAtomically(call, false, connection -> {
                long affected = 0;
                try (PreparedStatement statement = connection.prepareStatement(parsed.jdbcSql())) {
                    int pending = 0;
                    for (Map<String, ?> row : rows) {
                        ValueBinder.bindAll(statement, parsed, row, dialect);
                        statement.addBatch();
                        if (++pending == chunkSize) {
                            affected += sum(statement.executeBatch());
                            pending = 0;
                        }
                    }
                    if (pending > 0) {
                        affected += sum(statement.executeBatch());
                    }
                }
                return affected;
            });
            succeeded(call, total);
            wrote(session, writeTagOf(sql));
            return total;
        } catch (RuntimeException e) {
            throw failed(call, e);
        }
    }

    private static long sum(int[] counts) {
        long total = 0;
        for (int count : counts) {
            total += count == Statement.SUCCESS_NO_INFO ? 1 : Math.max(0, count);
        }
        return total;
    }

    long bulkInsert(Session session, String table, List<String> columns, Iterable<? extends List<?>> rows,
            int chunkSize, boolean copy) {
        String quotedTable = dialect.quote(Identifiers.check("table", table));
        if (columns.isEmpty()) {
            throw new InvalidInputException("empty_write", "columns", "bulk insert into " + table + " names no columns");
        }
        for (String column : columns) {
            Identifiers.check("column", column);
        }
        boolean useCopy = copy && dialect.type() == DatabaseType.POSTGRESQL;
        String sql = useCopy
                ? "COPY " + quotedTable + " (" + quotedList(columns) + ") FROM STDIN (FORMAT csv)"
                : "INSERT INTO " + quotedTable + " (" + quotedList(columns) + ") VALUES ("
                        + String.join(", ", Collections.nCopies(columns.size(), "?")) + ")";
        Call call = call(useCopy ? "bulk_insert_copy" : "bulk_insert", sql);
        try {
            long inserted = session.runAtomically(call, false, connection -> useCopy
                    ? dev.weft.db.internal.PgCopy.copy(connection, sql, columns.size(), rows)
                    : batchInsert(connection, sql, columns.size(), rows, chunkSize));
            succeeded(call, inserted);
            wrote(session, tableTag(table));
            return inserted;
        } catch (RuntimeException e) {
            throw failed(call, e);
        }
    }

    private long batchInsert(Connection connection, String sql, int width, Iterable<? extends List<?>> rows,
            int chunkSize) throws SQLException {
        long inserted = 0;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int pending = 0;
            long index = 0;
            Iterator<? extends List<?>> iterator = rows.iterator();
            while (iterator.hasNext()) {
                List<?> row = iterator.next();
                if (row.size() != width) {
                    throw new InvalidInputException("invalid_row", "rows[" + index + "]",
                            "row " + index + " has " + row.size() + " values for " + width + " columns");
                }
                for (int i = 0; i < width; i++) {
                    ValueBinder.bind(statement, i + 1, "rows[" + index + "][" + i + "]", row.get(i), dialect);
                }
                statement.addBatch();
                index++;
                if (++pending == chunkSize) {
                    inserted += sum(statement.executeBatch());
                    pending = 0;
                }
            }
            if (pending > 0) {
                inserted += sum(statement.executeBatch());
            }
        }
        return inserted;
    }

    // ---- transactions --------------------------------------------------------------------------------------

    <T, X extends Exception> T transaction(Isolation isolation, TransactionCallback<T, X> work) throws X {
        Call call = call("transaction", "BEGIN");
        try {
            T result;
            try {
                result = transactionOnce(isolation, work, call);
            } catch (DatabaseException first) {
                if (config.retry().maxRetries() == 0 || !"serialization_failure".equals(first.code())) {
                    throw first;
                }
                backoff(1, first);
                result = transactionRetry.executeCallable(() -> transactionOnce(isolation, work, call));
            }
            succeeded(call, 0);
            return result;
        } catch (RuntimeException e) {
            throw failed(call, e);
        } catch (Exception e) {
            failed(call, new RuntimeException(e));
            @SuppressWarnings("unchecked")
            X checked = (X) e;
            throw checked;
        }
    }

    private <T, X extends Exception> T transactionOnce(Isolation isolation, TransactionCallback<T, X> work, Call call)
            throws X {
        boolean turn = enterWriterTurn(call);
        try {
            return transactionOnConnection(isolation, work, call);
        } finally {
            leaveWriterTurn(turn);
        }
    }

    private <T, X extends Exception> T transactionOnConnection(Isolation isolation, TransactionCallback<T, X> work,
            Call call) throws X {
        call.newAttempt();
        Connection connection = pool.acquire();
        boolean broken = false;
        int previousIsolation = -1;
        JdbcTransaction transaction = null;
        try {
            try {
                connection.setAutoCommit(false);
                if (isolation != Isolation.DEFAULT && dialect.type() != DatabaseType.SQLITE) {
                    previousIsolation = connection.getTransactionIsolation();
                    connection.setTransactionIsolation(isolation.jdbcLevel());
                }
            } catch (SQLException e) {
                throw translate(e, call);
            }
            transaction = new JdbcTransaction(this, connection, isolation);
            JdbcTransaction open = transaction;
            T result = ScopedValue.where(OPEN, open).call(() -> work.apply(open));
            try {
                connection.commit();
            } catch (SQLException e) {
                throw translateCommitting(e, call);
            }
            invalidateAfterCommit(open.written());
            return result;
        } catch (Throwable failure) {
            broken = !rollbackQuietly(connection, failure) || call.broken || isBrokenConnection(failure);
            throw failure;
        } finally {
            if (transaction != null) {
                transaction.finish();
            }
            try {
                if (previousIsolation >= 0) {
                    connection.setTransactionIsolation(previousIsolation);
                }
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                broken = true;
            }
            if (broken) {
                pool.evict(connection);
            } else {
                pool.release(connection);
            }
        }
    }

    private static boolean isBrokenConnection(Throwable failure) {
        return failure instanceof DatabaseUnavailableException || failure instanceof QueryTimeoutException;
    }

    /** @return whether the rollback succeeded; a failed one is added to {@code failure} as suppressed */
    static boolean rollbackQuietly(Connection connection, Throwable failure) {
        try {
            connection.rollback();
            return true;
        } catch (SQLException e) {
            failure.addSuppressed(e);
            return false;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        executor.shutdown();
        watchdog.close();
        pool.close();
        LOG.atInfo().setMessage("database closed").addKeyValue("database", config.name()).log();
    }
}
