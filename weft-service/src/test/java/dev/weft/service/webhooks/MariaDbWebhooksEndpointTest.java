package dev.weft.service.webhooks;

import dev.weft.service.TestBackends;

class MariaDbWebhooksEndpointTest extends WebhooksEndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.MARIADB;
    }
}
