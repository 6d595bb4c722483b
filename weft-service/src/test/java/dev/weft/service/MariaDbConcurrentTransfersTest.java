package dev.weft.service;

/** {@link ConcurrentTransfersContract} on MariaDB. */
class MariaDbConcurrentTransfersTest extends ConcurrentTransfersContract {
    @Override
    TestBackends backend() {
        return TestBackends.MARIADB;
    }
}
