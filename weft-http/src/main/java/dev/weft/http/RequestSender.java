package dev.weft.http;

import java.nio.file.Path;

/** What an {@link ApiRequest} is sent through: the client that created it. */
interface RequestSender {
    ApiResponse send(ApiRequest request);

    ApiStream stream(ApiRequest request);

    DownloadResult download(ApiRequest request, Path target);
}
