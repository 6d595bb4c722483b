package dev.weft.service.videos;

import dev.weft.service.TestBackends;
class PostgresVideosEndpointTest extends VideosEndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.POSTGRESQL;
    }
}
