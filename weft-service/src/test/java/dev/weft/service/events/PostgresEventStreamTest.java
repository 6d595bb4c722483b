package dev.weft.service.events;

import dev.weft.service.TestBackends;

class PostgresEventStreamTest extends EventStreamContract {
    @Override
    TestBackends backend() {
        return TestBackends.POSTGRESQL;
    }
}
