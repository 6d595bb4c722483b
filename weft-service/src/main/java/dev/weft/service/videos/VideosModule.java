package dev.weft.service.videos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.cache.Cache;
import dev.weft.db.Database;
import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.Idempotency;
import dev.weft.service.Json;
import dev.weft.service.Principal;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import dev.weft.service.data.IdempotencyRepository;
import dev.weft.service.data.Page;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import dev.weft.service.data.VideoStats;
import dev.weft.service.jobs.JobEngine;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The videos endpoints of API.md: {@code POST /process-video}, {@code GET /videos}, {@code GET /videos/stats},
 * {@code GET /videos/{video_id}} (status read through the cache) and {@code POST /videos/{video_id}/cancel}. A user
 * key sees only its own videos (another user's video is a 404).
 *
 * <p>An upload is streamed to a temporary file under {@code <data-dir>/uploads} while its SHA-256 is computed, then
 * moved into place and recorded (video and job rows in one transaction); any failure deletes the file, so bad input
 * stores nothing.
 *
 * <p>Thread-safe.
 */
public final class VideosModule implements RouteModule {
    private static final String FORBIDDEN_OTHER_USER = "only the admin may list another user's videos";
    /** Largest {@code options} part. */
    public static final int MAX_OPTIONS_BYTES = 16 * 1024;
    /**
     * How long a video stays cached when its invalidations reach every instance (Redis configured); it is invalidated
     * on every change anyway.
     */
    public static final Duration SHARED_CACHE_TTL = Duration.ofMinutes(5);
    /**
     * How long a video stays cached in an in-process cache only: another instance's worker cannot invalidate it, so
     * a status read on this instance is at most this old.
     */
    public static final Duration LOCAL_CACHE_TTL = Duration.ofSeconds(10);
    /** Room for the multipart framing and small fields around the file. */
    private static final long FRAMING = 64 * 1024;
    private static final String DEFAULT_FILENAME = "upload";

    private final ServiceContext context;
    private final Database db;
    private final VideoRepository videos;
    private final UserRepository users;
    private final IdempotencyRepository idempotency;
    private final Json json;
    private final JobEngine engine;
    private final Cache cache;
    private final Path uploads;
    private final long maxUpload;
    private final Duration cacheTtl;

    /**
     * @param context the service context
     * @param engine the job engine that processes the videos
     * @param cache the cache of video rows, invalidated on every change
     * @param cacheTtl how long a cached video lives
     */
    public VideosModule(ServiceContext context, JobEngine engine, Cache cache, Duration cacheTtl) {
        this.context = Objects.requireNonNull(context, "context");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.cacheTtl = Objects.requireNonNull(cacheTtl, "cacheTtl");
        this.db = context.database();
        this.videos = context.videos();
        this.users = context.users();
        this.idempotency = context.idempotency();
        this.json = context.json();
        this.maxUpload = context.config().maxUpload();
        this.uploads = context.config().dataDir().resolve("uploads").toAbsolutePath();
        try {
            Files.createDirectories(uploads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the upload directory " + uploads, e);
        }
    }

    @Override
    public void routes(Routes routes) {
        routes.route(Method.POST, "/process-video", Access.AUTHENTICATED, maxUpload + FRAMING, this::processVideo)
                .get("/videos", Access.AUTHENTICATED, this::list)
                .get("/videos/stats", Access.AUTHENTICATED, this::stats)
                .get("/videos/{video_id}", Access.AUTHENTICATED, this::get)
                .post("/videos/{video_id}/cancel", Access.AUTHENTICATED, this::cancel);
    }

    /** @param videoId a video @return its cache key */
    static String cacheKey(String videoId) {
        return "video:" + videoId;
    }

    // --- POST /process-video ---

    /** What a valid upload request carried. */
    private record Upload(Path file, String filename, long size, String sha256, @Nullable String options,
            @Nullable Long userId) {
    }

    private void processVideo(Exchange exchange) throws IOException {
        Principal principal = exchange.principal();
        Optional<String> key = exchange.header("Idempotency-Key");
        if (key.isPresent() && !validKey(key.get())) {
            throw ProblemException.invalidField("Idempotency-Key", "must be 1 to 255 visible ASCII characters");
        }
        OptionalLong declared = exchange.request().headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxUpload + FRAMING) {
            throw tooLarge();
        }
        Upload upload = read(exchange);
        boolean keep = false;
        try {
            long userId = owner(principal, upload.userId());
            String hash = requestHash(upload, userId);
            if (key.isPresent()) {
                Optional<IdempotencyRepository.Entry> existing = idempotency.claim(principal.scope(), key.get(), hash);
                if (existing.isPresent()) {
                    replay(exchange, existing.get(), hash);
                    return;
                }
            }
            Map<String, Object> answer;
            String videoId;
            try {
                videoId = "vid_" + UUID.randomUUID().toString().replace("-", "");
                Path stored = uploads.resolve(videoId);
                Files.move(upload.file(), stored, StandardCopyOption.ATOMIC_MOVE);
                try {
                    String jobId = db.inTransaction(tx -> {
                        String job = JobEngine.newJobId();
                        videos.insert(tx, videoId, userId, upload.filename(), upload.size(), upload.options(),
                                stored.toString(), job);
                        engine.submit(tx, videoId, userId, job);
                        return job;
                    });
                    keep = true;
                    answer = new LinkedHashMap<>();
                    answer.put("video_id", videoId);
                    answer.put("job_id", jobId);
                    answer.put("status", "queued");
                } finally {
                    if (!keep) {
                        Files.deleteIfExists(stored);
                    }
                }
            } catch (RuntimeException | IOException | Error failure) {
                if (key.isPresent()) {
                    idempotency.release(principal.scope(), key.get());
                }
                throw failure;
            }
            String location = "/videos/" + videoId;
            if (key.isPresent()) {
                ObjectNode stored = json.mapper().createObjectNode();
                stored.set("headers", json.mapper().valueToTree(Map.of("Location", location)));
                stored.set("body", json.mapper().valueToTree(answer));
                idempotency.complete(principal.scope(), key.get(), 202,
                        new String(json.write(stored), StandardCharsets.UTF_8));
            }
            context.invalidateUser(userId);
            engine.wakeUp();
            exchange.responseHeader("Location", location);
            exchange.send(202, answer);
        } finally {
            if (!keep) {
                Files.deleteIfExists(upload.file());
            }
        }
    }

    private Upload read(Exchange exchange) throws IOException {
        String contentType = exchange.request().headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        Path temp = Files.createTempFile(uploads, ".upload-", ".part");
        boolean done = false;
        try (InputStream body = exchange.bodyStream()) { // a stalled upload is cut off (ClientDisconnects)
            MultipartReader reader = MultipartReader.open(body, contentType);
            String filename = null;
            long size = -1;
            String sha = null;
            String options = null;
            Long userId = null;
            Optional<MultipartReader.Part> next;
            while ((next = reader.next()).isPresent()) {
                MultipartReader.Part part = next.get();
                switch (part.name()) {
                    case "video" -> {
                        if (size >= 0) {
                            throw ProblemException.invalidField("video", "only one video file may be sent");
                        }
                        if (part.filename() == null) {
                            throw ProblemException.invalidField("video", "must be a file part (with a filename)");
                        }
                        MessageDigest digest = sha256();
                        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
                            size = reader.copyTo(out, maxUpload);
                        } catch (MultipartReader.TooLarge e) {
                            throw tooLarge();
                        }
                        sha = HexFormat.of().formatHex(digest.digest());
                        filename = filename(part.filename());
                    }
                    case "options" -> {
                        if (options != null) {
                            throw ProblemException.invalidField("options", "only one options part may be sent");
                        }
                        options = options(small(reader, MAX_OPTIONS_BYTES, "options"));
                    }
                    case "user_id" -> {
                        if (userId != null) {
                            throw ProblemException.invalidField("user_id", "only one user_id may be sent");
                        }
                        userId = userId(small(reader, 32, "user_id"));
                    }
                    default -> throw ProblemException.invalid("unknown_field", "unknown form field",
                            List.of(new ProblemException.FieldError(part.name().length() > 64
                                    ? part.name().substring(0, 64) : part.name(), "unknown field")));
                }
            }
            if (size < 0) {
                throw ProblemException.invalidField("video", "a video file is required");
            }
            if (size == 0) {
                throw ProblemException.invalid("empty_file", "the video file is empty",
                        List.of(new ProblemException.FieldError("video", "must not be empty")));
            }
            done = true;
            return new Upload(temp, Objects.requireNonNull(filename), size, Objects.requireNonNull(sha), options,
                    userId);
        } finally {
            if (!done) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static byte[] small(MultipartReader reader, int limit, String field) throws IOException {
        try {
            return reader.readSmall(limit);
        } catch (MultipartReader.TooLarge e) {
            throw ProblemException.invalid("field_too_large", field + " is larger than " + limit + " bytes",
                    List.of(new ProblemException.FieldError(field, "at most " + limit + " bytes")));
        }
    }

    private String options(byte[] bytes) {
        JsonNode node;
        try {
            node = json.readTree(bytes);
        } catch (ProblemException e) {
            throw ProblemException.invalid("invalid_options", "options must be a JSON object",
                    List.of(new ProblemException.FieldError("options", "not valid JSON")));
        }
        if (node == null || !node.isObject()) {
            throw ProblemException.invalid("invalid_options", "options must be a JSON object",
                    List.of(new ProblemException.FieldError("options", "must be a JSON object")));
        }
        String text = new String(json.write(node), StandardCharsets.UTF_8);
        if (text.indexOf('\u0000') >= 0) {
            throw ProblemException.invalid("invalid_options", "options must not contain NUL characters",
                    List.of(new ProblemException.FieldError("options", "contains NUL")));
        }
        return text;
    }

    private static Long userId(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).trim();
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(text) < 1) {
            throw ProblemException.invalidField("user_id", "must be a positive integer");
        }
        return Long.parseLong(text);
    }

    private long owner(Principal principal, @Nullable Long userId) {
        if (!principal.admin()) {
            if (userId != null && userId != principal.userId()) {
                throw ProblemException.forbidden("only the admin may upload for another user");
            }
            return principal.userId();
        }
        if (userId == null) {
            throw ProblemException.invalidField("user_id", "the admin must name the user the video belongs to");
        }
        if (users.findById(userId).isEmpty()) {
            throw ProblemException.notFound("user");
        }
        return userId;
    }

    /** A clean file name: the last path segment, no control characters, at most 255 characters. */
    static String filename(@Nullable String raw) {
        if (raw == null) {
            return DEFAULT_FILENAME;
        }
        String name = raw.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1);
        StringBuilder clean = new StringBuilder();
        name.codePoints().filter(c -> !Character.isISOControl(c) && c != 0x2028 && c != 0x2029)
                .limit(255).forEach(clean::appendCodePoint);
        String out = clean.toString().strip();
        return out.isEmpty() || out.equals(".") || out.equals("..") ? DEFAULT_FILENAME : out;
    }

    private static String requestHash(Upload upload, long userId) {
        MessageDigest digest = sha256();
        digest.update(("POST /process-video\n" + userId + "\n" + upload.filename() + "\n" + upload.sha256() + "\n"
                + Objects.requireNonNullElse(upload.options(), "")).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    private void replay(Exchange exchange, IdempotencyRepository.Entry entry, String hash) {
        if (!entry.requestHash().equals(hash)) {
            throw ProblemException.of(422, "idempotency_mismatch", "this Idempotency-Key was used with a different request");
        }
        if (entry.status() == 0 || entry.body() == null) {
            throw ProblemException.of(409, "idempotency_in_progress",
                    "a request with this Idempotency-Key is still running; retry later");
        }
        JsonNode stored = json.readTree(Objects.requireNonNull(entry.body()).getBytes(StandardCharsets.UTF_8));
        stored.path("headers").properties().forEach(header -> exchange.responseHeader(header.getKey(),
                header.getValue().asText()));
        exchange.responseHeader("Idempotent-Replayed", "true");
        exchange.send(entry.status(), stored.get("body"));
    }

    private static boolean validKey(String value) {
        return !value.isEmpty() && value.length() <= Idempotency.MAX_KEY_LENGTH
                && value.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private ProblemException tooLarge() {
        return ProblemException.of(413, "payload_too_large", "the video is larger than " + maxUpload + " bytes");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    // --- GET /videos, /videos/stats, /videos/{video_id}, cancel ---

    private void list(Exchange exchange) {
        Long userId = exchange.scopedUser(FORBIDDEN_OTHER_USER);
        String status = exchange.query("status").orElse(null);
        if (status != null && !VideoRepository.STATUSES.contains(status)) {
            throw ProblemException.invalid("invalid_parameter", "status must be one of "
                    + VideoRepository.STATUSES.stream().sorted().toList(),
                    List.of(new ProblemException.FieldError("status", "unknown status")));
        }
        Page page = Page.parse(exchange::query, VideoRepository.ORDER_COLUMNS, "-created_at");
        List<Map<String, Object>> items = videos.getUserVideos(userId, status, page).stream().map(this::view).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("total", videos.count(userId, status));
        body.put("limit", page.limit());
        body.put("offset", page.offset());
        exchange.send(200, body);
    }

    private void stats(Exchange exchange) {
        VideoStats stats = videos.getVideoStats(exchange.scopedUser(FORBIDDEN_OTHER_USER));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", stats.total());
        body.put("by_status", stats.byStatus());
        body.put("avg_processing_ms", stats.avgProcessingMs());
        exchange.send(200, body);
    }

    private void get(Exchange exchange) {
        String videoId = videoId(exchange);
        VideoRow video;
        try {
            video = cache.getOrLoad(cacheKey(videoId), VideoRow.class, cacheTtl,
                    () -> videos.getByVideoId(videoId).orElseThrow(() -> ProblemException.notFound("video")));
        } catch (ProblemException e) {
            throw e;
        } catch (RuntimeException e) {
            if (e.getCause() instanceof ProblemException api) {
                throw api;
            }
            throw e;
        }
        if (!exchange.principal().mayAccessUser(video.userId())) {
            throw ProblemException.notFound("video");
        }
        exchange.send(200, view(video));
    }

    private void cancel(Exchange exchange) {
        String videoId = videoId(exchange);
        VideoRow video = videos.getByVideoId(videoId).orElseThrow(() -> ProblemException.notFound("video"));
        if (!exchange.principal().mayAccessUser(video.userId())) {
            throw ProblemException.notFound("video");
        }
        switch (engine.cancel(videoId)) {
            case NOT_FOUND -> throw ProblemException.notFound("video");
            case ALREADY_FINAL -> throw ProblemException.of(409, "video_final",
                    "the video is already " + videos.getByVideoId(videoId).map(VideoRow::status).orElse("final"));
            case CANCELLED -> {
                cache.invalidate(cacheKey(videoId));
                exchange.send(200, view(videos.getByVideoId(videoId).orElseThrow(() -> ProblemException.notFound("video"))));
            }
        }
    }

    private static String videoId(Exchange exchange) {
        String videoId = exchange.pathParam("video_id");
        if (!videoId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw ProblemException.notFound("video");
        }
        return videoId;
    }

    /** A video as API.md shows it: options as a JSON object, no storage path. */
    Map<String, Object> view(VideoRow video) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("video_id", video.videoId());
        out.put("user_id", video.userId());
        out.put("filename", video.filename());
        out.put("size_bytes", video.sizeBytes());
        out.put("status", video.status());
        out.put("job_id", video.jobId());
        out.put("external_job_id", video.externalJobId());
        out.put("result_url", video.resultUrl());
        out.put("error", video.error());
        out.put("options", video.options() == null ? null
                : json.readTree(video.options().getBytes(StandardCharsets.UTF_8)));
        out.put("processing_ms", video.processingMs());
        out.put("created_at", video.createdAt());
        out.put("updated_at", video.updatedAt());
        return out;
    }
}
