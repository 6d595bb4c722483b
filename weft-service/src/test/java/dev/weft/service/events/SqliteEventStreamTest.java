package dev.weft.service.events;

import dev.weft.service.TestBackends;

class SqliteEventStreamTest extends EventStreamContract {
    @Override
    TestBackends backend() {
        return TestBackends.SQLITE;
    }
}
