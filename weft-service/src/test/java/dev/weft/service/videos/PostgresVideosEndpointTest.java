package dev.weft.service.videos;

class PostgresVideosEndpointTest extends VideosEndpointContract {
    @Override
    VideoService.Backend backend() {
        return VideoService.Backend.POSTGRESQL;
    }
}
