package dev.weft.db;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;

/** {@link AsyncDatabase} over a database's virtual-thread executor. */
final class AsyncView implements AsyncDatabase {
    private final Database database;
    private final ExecutorService executor;

    AsyncView(Database database, ExecutorService executor) {
        this.database = database;
        this.executor = executor;
    }

    private <T> CompletableFuture<T> supply(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, executor);
    }

    @Override
    public <T> CompletableFuture<List<T>> query(String sql, Map<String, ?> params, Class<T> type) {
        return supply(() -> database.query(sql, params, type));
    }

    @Override
    public CompletableFuture<List<Map<String, Object>>> queryForRows(String sql, Map<String, ?> params) {
        return supply(() -> database.queryForRows(sql, params));
    }

    @Override
    public CompletableFuture<Long> execute(String sql, Map<String, ?> params) {
        return supply(() -> database.execute(sql, params));
    }

    @Override
    public CompletableFuture<WriteResult<Map<String, Object>>> insert(String table, Map<String, ?> data,
            String... returning) {
        return supply(() -> database.insert(table, data).returning(returning).execute());
    }

    @Override
    public CompletableFuture<WriteResult<Map<String, Object>>> update(String table, Map<String, ?> data,
            Map<String, ?> where, String... returning) {
        return supply(() -> database.update(table, data, where).returning(returning).execute());
    }

    @Override
    public CompletableFuture<WriteResult<Map<String, Object>>> delete(String table, Map<String, ?> where,
            String... returning) {
        return supply(() -> database.delete(table, where).returning(returning).execute());
    }

    @Override
    public CompletableFuture<Long> batch(String sql, List<? extends Map<String, ?>> rows, int chunkSize) {
        return supply(() -> database.batch(sql, rows).chunkSize(chunkSize).execute());
    }

    @Override
    public <T> CompletableFuture<T> inTransaction(Isolation isolation,
            TransactionCallback<T, ? extends Exception> work) {
        return supply(() -> {
            try {
                return database.inTransaction(isolation, work);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    @Override
    public <T> CompletableFuture<T> call(Function<Database, T> work) {
        return supply(() -> work.apply(database));
    }
}
