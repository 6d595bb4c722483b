package dev.weft.service.videos;

import dev.weft.service.ServiceConfig;
import dev.weft.service.TestBackends;

/** The same contract with Redis configured: the video status cache is tiered (local in front of Redis). */
class RedisVideosEndpointTest extends VideosEndpointContract {
    @Override
    TestBackends backend() {
        return TestBackends.SQLITE;
    }

    @Override
    ServiceConfig tweak(ServiceConfig config) {
        return config.withRedisUrl("redis://127.0.0.1:6379");
    }
}
