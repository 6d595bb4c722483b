package dev.weft.service;

/** {@link EndpointContract} on MariaDB, in a database of its own. */
class MariaDbEndpointTest extends EndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.MARIADB;
    }
}
