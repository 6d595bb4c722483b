package dev.weft.service.videos;

class MariaDbVideosEndpointTest extends VideosEndpointContract {
    @Override
    VideoService.Backend backend() {
        return VideoService.Backend.MARIADB;
    }
}
