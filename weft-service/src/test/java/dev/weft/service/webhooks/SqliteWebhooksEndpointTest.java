package dev.weft.service.webhooks;

import dev.weft.service.TestBackends;

class SqliteWebhooksEndpointTest extends WebhooksEndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.SQLITE;
    }
}
