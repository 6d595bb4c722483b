package dev.weft.service;

/** {@link EndpointContract} on SQLite. */
class SqliteEndpointTest extends EndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.SQLITE;
    }
}
