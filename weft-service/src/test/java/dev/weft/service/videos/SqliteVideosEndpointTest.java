package dev.weft.service.videos;

import dev.weft.service.TestBackends;
class SqliteVideosEndpointTest extends VideosEndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.SQLITE;
    }
}
