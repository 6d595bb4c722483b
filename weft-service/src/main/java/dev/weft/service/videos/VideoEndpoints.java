package dev.weft.service.videos;

import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.Idempotency;
import dev.weft.service.Json;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.data.Page;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import dev.weft.service.data.VideoStats;
import dev.weft.service.data.VideoView;
import dev.weft.service.webhooks.WebhookUrlPolicy;
import io.helidon.http.Method;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The HTTP side of videos: {@code POST /process-video}, {@code GET /videos}, {@code GET /videos/stats},
 * {@code GET /videos/{video_id}} and {@code POST /videos/{video_id}/cancel}. Handlers parse the request (the upload
 * form through {@link UploadForm}), call {@link VideoSubmissions} or {@link Videos}, and render the answer.
 *
 * <p>Thread-safe.
 */
public final class VideoEndpoints implements RouteModule {
    private static final String FORBIDDEN_OTHER_USER = "only the admin may list another user's videos";
    /** Room for the multipart framing and small fields around the file. */
    private static final long FRAMING = 64 * 1024;

    private final VideoSubmissions submissions;
    private final Videos videos;
    private final UploadForm form;
    private final Json json;
    private final long maxUpload;

    /**
     * @param submissions submit and cancel
     * @param videos the reads
     * @param json the JSON mapper
     * @param maxUpload the largest file accepted
     */
    public VideoEndpoints(VideoSubmissions submissions, Videos videos, Json json, long maxUpload,
            WebhookUrlPolicy callbacks) {
        this.submissions = Objects.requireNonNull(submissions, "submissions");
        this.videos = Objects.requireNonNull(videos, "videos");
        this.json = Objects.requireNonNull(json, "json");
        this.maxUpload = maxUpload;
        this.form = new UploadForm(json, maxUpload, callbacks);
    }

    @Override
    public void routes(Routes routes) {
        routes.route(Method.POST, "/process-video", Access.AUTHENTICATED, maxUpload + FRAMING, this::processVideo)
                .get("/videos", Access.AUTHENTICATED, this::list)
                .get("/videos/stats", Access.AUTHENTICATED, this::stats)
                .get("/videos/{video_id}", Access.AUTHENTICATED, this::get)
                .post("/videos/{video_id}/cancel", Access.AUTHENTICATED, this::cancel);
    }

    private void processVideo(Exchange exchange) throws IOException {
        Optional<String> key = Idempotency.key(exchange);
        OptionalLong declared = exchange.request().headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxUpload + FRAMING) {
            throw form.tooLarge();
        }
        Upload upload = form.read(exchange, submissions.stagingFile());
        Idempotency.Answer answer = submissions.submit(exchange.principal(), key.orElse(null), upload);
        answer.headers().forEach(exchange::responseHeader);
        exchange.send(answer.status(), answer.body());
    }

    private void list(Exchange exchange) {
        Long userId = exchange.scopedUser(FORBIDDEN_OTHER_USER);
        String status = exchange.query("status").orElse(null);
        if (status != null && !VideoRepository.STATUSES.contains(status)) {
            throw ProblemException.invalid("invalid_parameter", "status must be one of "
                    + VideoRepository.STATUSES.stream().sorted().toList(),
                    List.of(new ProblemException.FieldError("status", "unknown status")));
        }
        Page page = Page.parse(exchange::query, VideoRepository.ORDER_COLUMNS, "-created_at");
        List<Map<String, Object>> items = videos.list(userId, status, page).stream().map(this::view).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("total", videos.count(userId, status));
        body.put("limit", page.limit());
        body.put("offset", page.offset());
        exchange.send(200, body);
    }

    private void stats(Exchange exchange) {
        VideoStats stats = videos.stats(exchange.scopedUser(FORBIDDEN_OTHER_USER));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", stats.total());
        body.put("by_status", stats.byStatus());
        body.put("avg_processing_ms", stats.avgProcessingMs());
        exchange.send(200, body);
    }

    private void get(Exchange exchange) {
        exchange.send(200, view(videos.get(exchange.principal(), videoId(exchange))));
    }

    private void cancel(Exchange exchange) {
        exchange.send(200, view(submissions.cancel(exchange.principal(), videoId(exchange))));
    }

    /** A malformed id names no video: 404, as for an unknown one. */
    private static String videoId(Exchange exchange) {
        String videoId = exchange.pathParam("video_id");
        if (!videoId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw Videos.notFound();
        }
        return videoId;
    }

    /** A video as API.md shows it ({@link VideoView}). */
    private Map<String, Object> view(VideoRow video) {
        return VideoView.of(video, json);
    }
}
