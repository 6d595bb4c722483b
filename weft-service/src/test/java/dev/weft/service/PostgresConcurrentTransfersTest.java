package dev.weft.service;

/** {@link ConcurrentTransfersContract} on PostgreSQL. */
class PostgresConcurrentTransfersTest extends ConcurrentTransfersContract {
    @Override
    TestBackends backend() {
        return TestBackends.POSTGRESQL;
    }
}
