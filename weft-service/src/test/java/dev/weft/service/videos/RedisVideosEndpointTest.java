package dev.weft.service.videos;

import dev.weft.service.ServiceConfig;

/** The same contract with Redis configured: the video status cache is tiered (local in front of Redis). */
class RedisVideosEndpointTest extends VideosEndpointContract {
    @Override
    VideoService.Backend backend() {
        return VideoService.Backend.SQLITE;
    }

    @Override
    ServiceConfig tweak(ServiceConfig config) {
        return config.withRedisUrl("redis://127.0.0.1:6379");
    }
}
