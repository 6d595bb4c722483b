package dev.weft.service.events;

import dev.weft.service.TestBackends;

class MariaDbEventStreamTest extends EventStreamContract {
    @Override
    TestBackends backend() {
        return TestBackends.MARIADB;
    }
}
