package dev.weft.service.videos;

import dev.weft.service.TestBackends;
class MariaDbVideosEndpointTest extends VideosEndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.MARIADB;
    }
}
