package dev.weft.service.webhooks;

import dev.weft.service.TestBackends;

class PostgresWebhooksEndpointTest extends WebhooksEndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.POSTGRESQL;
    }
}
