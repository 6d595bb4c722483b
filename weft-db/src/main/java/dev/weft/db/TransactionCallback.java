package dev.weft.db;

/**
 * The work of a transaction. It may run more than once: weft retries the whole callback after a serialization
 * failure or deadlock, so it must not have effects outside the database that cannot be repeated.
 *
 * @param <T> the result type
 * @param <X> the checked exception the work may throw, passed through unchanged after the rollback
 */
@FunctionalInterface
public interface TransactionCallback<T, X extends Exception> {
    /**
     * @param transaction the open transaction, confined to the calling thread
     * @return the result, returned by {@code inTransaction} after the commit
     * @throws X to roll back; any exception rolls back
     */
    T apply(Transaction transaction) throws X;
}
