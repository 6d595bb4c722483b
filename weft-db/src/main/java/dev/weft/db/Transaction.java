package dev.weft.db;

/**
 * An open transaction, handed to a {@link TransactionCallback}. Every operation runs on the transaction's one
 * connection. {@link #inTransaction(TransactionCallback)} on it opens a savepoint.
 *
 * <p>Confined to the thread running the callback; unusable once the callback has returned.
 */
public interface Transaction extends SqlOperations {
    /** @return the isolation the transaction runs at */
    Isolation isolation();

    /** @return how deeply nested the current savepoint is; 0 at the top level */
    int depth();
}
