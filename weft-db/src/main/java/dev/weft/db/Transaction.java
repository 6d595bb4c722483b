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

    /**
     * Ends the current level with a rollback instead of a commit, without an exception (Spring's
     * {@code TransactionStatus.setRollbackOnly()}): when its callback returns, the top level rolls back and
     * {@code inTransaction} returns the callback's result; a nested level rolls back to its savepoint and the
     * enclosing level goes on. A dry run, a validation that found problems, a test that must leave nothing behind.
     */
    void setRollbackOnly();

    /** @return whether {@link #setRollbackOnly()} was called at the current level */
    boolean isRollbackOnly();
}
