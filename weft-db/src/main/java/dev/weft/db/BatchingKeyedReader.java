package dev.weft.db;

import dev.weft.core.Deadline;
import dev.weft.db.internal.RowMappers;
import dev.weft.db.internal.ValueBinder;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The {@link KeyedReader} of a {@link PooledDatabase}. A call that finds fewer than
 * {@link KeyBatchingConfig#maxInFlight()} batches of this reader in flight takes a slot and sends its own query at
 * once, on its own thread (exactly the single-key query). Otherwise it joins the last waiting {@link KeyBatch}
 * (or opens one when that is full) and waits; when a batch in flight ends, its slot passes straight to the oldest
 * waiting batch, which a virtual thread of the database sends; that thread keeps sending waiting batches while
 * there are any. No timer: a batch waits only for a slot.
 *
 * <p>Batches run through the same stages as any query ({@link StatementRunner#listBuilt}); rows come back by the
 * key read from the result, compared with {@code equals}. The database may match more loosely (a case- or
 * accent-insensitive collation, trailing spaces): a key left without a row of its own is asked again by its own
 * query when a returned key equals no requested key, or when a returned text key equals it ignoring case, accents
 * and trailing spaces, so that each caller gets what its own query returns. Thread-safe.
 *
 * <p>Tracing: a caller that sends its own query gets that query's CLIENT span. A batch is sent on the database's
 * executor in the trace of the caller whose finished query handed it the slot (the sender), as one CLIENT span
 * with {@code weft.db.batch.size}; each caller that joined the batch gets an INTERNAL span
 * {@code keyed read <table>} in its own trace for the time it waited.
 */
final class BatchingKeyedReader<K, T> implements KeyedReader<K, T> {
    private final PooledDatabase database;
    private final KeyedSql sql;
    private final Class<K> keyType;
    private final Class<T> rowType;
    private final RowMapper<T> rowMapper;
    private final KeyBatchingConfig settings;
    private final KeyBatchMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    /** Batches waiting for a slot, oldest first; guarded by {@link #lock}. */
    private final ArrayDeque<KeyBatch<K, T>> waiting = new ArrayDeque<>();
    /** Batches sent and not yet answered (lone calls included); guarded by {@link #lock}. */
    private int inFlight;

    BatchingKeyedReader(PooledDatabase database, KeyedSql sql, Class<K> keyType, Class<T> rowType) {
        this.database = database;
        this.sql = sql;
        this.keyType = keyType;
        this.rowType = rowType;
        this.rowMapper = RowMappers.of(rowType); // refuses an unmappable type now, before anything is sent
        this.settings = database.config().keyBatching();
        this.metrics = new KeyBatchMetrics(database.stages().registry(), database.name(), sql,
                settings.maxBatchSize());
    }

    @Override
    public Optional<T> find(K key) {
        checkKey(key);
        if (!settings.enabled() || database.stages().transactions().open() != null) {
            return single(key);
        }
        KeyBatch<K, T> joined;
        long joinedAt = 0;
        lock.lock();
        try {
            if (inFlight < settings.maxInFlight()) {
                inFlight++;
                joined = null;
            } else {
                joined = waiting.peekLast();
                if (joined == null || joined.size() >= settings.maxBatchSize() && !joined.has(key)) {
                    joined = new KeyBatch<>(database.name(), sql.table());
                    waiting.addLast(joined);
                }
                joinedAt = System.nanoTime();
                joined.join(key, Deadline.current().orElse(null));
            }
        } finally {
            lock.unlock();
        }
        if (joined != null) {
            Span span = database.stages().statements().log().tracing().startBatchWait(sql.table());
            try {
                Optional<T> found = joined.await(key, joinedAt, metrics);
                DbTracing.succeeded(span, found.isPresent() ? 1 : 0, "keyed_batch_wait");
                return found;
            } catch (RuntimeException | Error e) {
                DbTracing.failed(span, e);
                throw e;
            }
        }
        try {
            metrics.sent(1);
            return single(key);
        } finally {
            KeyBatch<K, T> next = nextOrRelease();
            if (next != null) {
                dispatch(next);
            }
        }
    }

    @Override
    public Map<K, T> findAll(Collection<? extends K> keys) {
        Set<K> distinct = new LinkedHashSet<>();
        for (K key : Objects.requireNonNull(keys, "keys")) {
            checkKey(key);
            distinct.add(key);
        }
        Map<K, T> found = new HashMap<>();
        List<K> chunk = new ArrayList<>(Math.min(distinct.size(), settings.maxBatchSize()));
        for (K key : distinct) {
            chunk.add(key);
            if (chunk.size() == settings.maxBatchSize()) {
                found.putAll(read(chunk));
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) {
            found.putAll(read(chunk));
        }
        return found;
    }

    private void checkKey(K key) {
        Objects.requireNonNull(key, "key");
        if (!keyType.isInstance(key)) {
            throw new ClassCastException("key " + key + " is a " + key.getClass().getName() + ", not a "
                    + keyType.getName());
        }
        ValueBinder.check("key", key); // a text key with NUL fails alone, not the batch it would join
    }

    /** The single-key query, on the transaction open on this thread if there is one. */
    private Optional<T> single(K key) {
        return database.statement(sql.single()).bind("key", key).first(rowType);
    }

    /** Hands the caller's slot to the oldest waiting batch, or frees it; the returned batch must be sent. */
    private @Nullable KeyBatch<K, T> nextOrRelease() {
        lock.lock();
        try {
            KeyBatch<K, T> next = waiting.pollFirst();
            if (next == null) {
                inFlight--;
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** Sends a waiting batch on a virtual thread of the database, which then sends the next ones while any wait. */
    private void dispatch(KeyBatch<K, T> first) {
        try {
            database.stages().executor().execute(() -> {
                KeyBatch<K, T> batch = first;
                while (batch != null) {
                    send(batch);
                    batch = nextOrRelease();
                }
            });
        } catch (RejectedExecutionException e) {
            // the database closed: nobody will send what still waits
            KeyBatch<K, T> batch = first;
            while (batch != null) {
                batch.fail(new DatabaseUnavailableException("database '" + database.name() + "' is closed", null, e));
                batch = nextOrRelease();
            }
        }
    }

    private void send(KeyBatch<K, T> batch) {
        List<K> keys = batch.send();
        try {
            metrics.sent(keys.size());
            Deadline deadline = batch.deadline();
            batch.complete(deadline == null ? read(keys) : deadline.call(() -> read(keys)));
        } catch (RuntimeException | Error e) {
            batch.fail(e);
        }
    }

    /** Reads distinct keys with one query (the single-key query for one key) on the session of this thread. */
    private Map<K, T> read(List<K> keys) {
        if (keys.size() == 1) {
            K key = keys.getFirst();
            Optional<T> row = single(key);
            return row.isPresent() ? Map.of(key, row.get()) : Map.of();
        }
        Session session = database.current();
        StatementRunner runner = session.stages().statements();
        List<KeyedRow<T>> rows = runner.listBuilt(session.connections(), sql.batch(keys.size()), keys.size(),
                (connection, statement) -> sql.bind(connection, statement, keys), result -> {
                    RowMapper<T> mapper = RowMappers.bind(rowMapper, result);
                    int keyColumn = result.getMetaData().getColumnCount();
                    List<KeyedRow<T>> read = new ArrayList<>();
                    while (result.next()) {
                        read.add(new KeyedRow<>(RowMappers.column(result, keyColumn, keyType), mapper.map(result)));
                    }
                    return read;
                });
        Set<K> requested = new HashSet<>(keys);
        Set<Object> answered = new HashSet<>();
        Map<K, T> found = new HashMap<>();
        boolean inexact = false;
        for (KeyedRow<T> row : rows) {
            Object key = row.key();
            if (key == null || !requested.contains(key)) {
                inexact = true;
            } else if (answered.add(key) && row.value() != null) {
                // the first row of a key, as Query.optional takes the first row
                found.put(keyType.cast(key), row.value());
            }
        }
        Set<String> looseReturned = null; // made only when a text key got no row: most batches answer every key
        for (K key : keys) {
            if (answered.contains(key)) {
                continue;
            }
            if (looseReturned == null && key instanceof String) {
                looseReturned = new HashSet<>();
                for (KeyedRow<T> row : rows) {
                    if (row.key() instanceof String text) {
                        looseReturned.add(loose(text));
                    }
                }
            }
            // A key with no row of its own may still match a returned row under the column's collation (another
            // caller's 'XyZ' answers 'xyz' in a case-insensitive one): ask it alone, as its own query would.
            if (inexact || key instanceof String text && looseReturned != null && looseReturned.contains(loose(text))) {
                single(key).ifPresent(value -> found.put(key, value));
            }
        }
        return found;
    }

    /** Text as the loosest common collations compare it: case, accents and trailing spaces ignored. */
    private static String loose(String text) {
        String decomposed = java.text.Normalizer.normalize(text.stripTrailing(), java.text.Normalizer.Form.NFD);
        return COMBINING_MARKS.matcher(decomposed).replaceAll("").toLowerCase(java.util.Locale.ROOT);
    }

    private static final java.util.regex.Pattern COMBINING_MARKS = java.util.regex.Pattern.compile("\\p{M}+");

    /** A row of a batch result with the key it was selected by. */
    private record KeyedRow<T>(@Nullable Object key, @Nullable T value) {
    }

    @Override
    public String toString() {
        return "KeyedReader[" + database.name() + "." + sql.table() + " by " + sql.keyColumn() + " as "
                + rowType.getSimpleName() + "]";
    }
}
