package dev.weft.service;

/** {@link ConcurrentTransfersContract} on SQLite. */
class SqliteConcurrentTransfersTest extends ConcurrentTransfersContract {
    @Override
    TestBackends backend() {
        return TestBackends.SQLITE;
    }
}
