package dev.weft.service.videos;

class SqliteVideosEndpointTest extends VideosEndpointContract {
    @Override
    VideoService.Backend backend() {
        return VideoService.Backend.SQLITE;
    }
}
