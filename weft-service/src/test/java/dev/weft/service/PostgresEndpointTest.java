package dev.weft.service;

/** {@link EndpointContract} on PostgreSQL, in a schema of its own. */
class PostgresEndpointTest extends EndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.POSTGRESQL;
    }
}
