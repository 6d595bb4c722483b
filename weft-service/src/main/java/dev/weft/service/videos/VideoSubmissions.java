package dev.weft.service.videos;

import dev.weft.core.ConflictException;
import dev.weft.core.ForbiddenException;
import dev.weft.core.NotFoundException;
import dev.weft.db.Database;
import dev.weft.service.Idempotency;
import dev.weft.service.Principal;
import dev.weft.service.ProblemException;
import dev.weft.service.ServiceContext;
import dev.weft.service.ShownOnceSecret;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import dev.weft.service.jobs.JobEngine;
import dev.weft.service.webhooks.WebhookSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The video job use cases: {@link #submit} an upload (idempotent) and {@link #cancel} a video. A submission moves
 * the staged file into place, records the video and its queued job in one transaction, drops the owner's cached
 * stats and wakes the workers; any failure deletes the file, so bad input stores nothing.
 *
 * <p>Repositories take the open transaction explicitly ({@code tx}).
 *
 * <p>Thread-safe.
 */
public final class VideoSubmissions {
    private static final String CALLBACK_SECRET = "callback_secret";

    private final ServiceContext context;
    private final Database db;
    private final VideoRepository videos;
    private final UserRepository users;
    private final JobEngine engine;
    private final Videos reads;
    private final Idempotency idempotency;
    private final Path uploads;

    /**
     * @param context the service context (database, repositories, upload directory)
     * @param engine the job engine that runs the submitted jobs
     * @param reads the video reads, told when a cancel changed a video
     * @param idempotency the idempotency records of every POST
     */
    public VideoSubmissions(ServiceContext context, JobEngine engine, Videos reads, Idempotency idempotency) {
        this.context = Objects.requireNonNull(context, "context");
        this.engine = Objects.requireNonNull(engine, "engine");
        this.reads = Objects.requireNonNull(reads, "reads");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.db = context.database();
        this.videos = context.videos();
        this.users = context.users();
        this.uploads = context.config().dataDir().resolve("uploads").toAbsolutePath();
        try {
            Files.createDirectories(uploads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the upload directory " + uploads, e);
        }
    }

    /**
     * @return a new staging file in the upload directory, so that a submission moves it into place atomically
     * @throws IOException if it cannot be created
     */
    public Path stagingFile() throws IOException {
        return Files.createTempFile(uploads, ".upload-", ".part");
    }

    /**
     * Submits an upload for processing, once per idempotency key. The staging file is moved into place or deleted,
     * whatever happens.
     *
     * @param caller who uploads; a user key uploads for itself, the admin names the user
     * @param key the checked {@code Idempotency-Key}, or {@code null}
     * @param upload the upload
     * @return 202 with the video id, job id and {@code Location}; a repeat gets the first answer
     * @throws IOException if the file cannot be moved
     * @throws ForbiddenException if a user uploads for another user
     * @throws NotFoundException if the admin names an unknown user
     */
    public Idempotency.Answer submit(Principal caller, @Nullable String key, Upload upload) throws IOException {
        try {
            long userId = owner(caller, upload.userId());
            Idempotency.Request request = new Idempotency.Request(caller.scope(), key, fingerprint(upload, userId));
            Idempotency.Answer answer = callbackSecret().reveal(idempotency.run(request, () -> store(upload, userId)));
            if (!answer.replayed()) {
                // after the answer is stored: a failing invalidation must not release a key whose video exists
                reads.videoAdded(userId);
                engine.wakeUp();
            }
            return answer;
        } finally {
            Files.deleteIfExists(upload.file()); // gone already once moved into place
        }
    }

    private Idempotency.Answer store(Upload upload, long userId) throws IOException {
        String videoId = "vid_" + UUID.randomUUID().toString().replace("-", "");
        Path stored = uploads.resolve(videoId);
        Files.move(upload.file(), stored, StandardCopyOption.ATOMIC_MOVE);
        boolean kept = false;
        // the callback's own signing secret, sealed in the job and shown once, in this answer; the answer stored for
        // replays of the idempotency key holds it sealed too (ShownOnceSecret)
        String callbackUrl = upload.callbackUrl();
        String secret = callbackUrl == null ? null : WebhookSigner.newSecret();
        ShownOnceSecret shown = callbackSecret();
        JobEngine.Callback callback = callbackUrl == null || secret == null ? null
                : new JobEngine.Callback(callbackUrl, shown.seal(secret));
        try {
            String jobId = db.inTransaction(tx -> {
                String job = JobEngine.newJobId();
                videos.insert(tx, videoId, userId, upload.filename(), upload.size(), upload.options(),
                        stored.toString(), job);
                engine.submit(tx, videoId, userId, job, callback);
                return job;
            });
            kept = true;
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("video_id", videoId);
            body.put("job_id", jobId);
            body.put("status", "queued");
            if (callback != null) {
                body.put(shown.sealedMember(), callback.secretSealed());
            }
            return new Idempotency.Answer(202, body, Map.of("Location", "/videos/" + videoId));
        } finally {
            if (!kept) {
                Files.deleteIfExists(stored);
            }
        }
    }

    private ShownOnceSecret callbackSecret() {
        return new ShownOnceSecret(CALLBACK_SECRET, context.secretBox());
    }

    /**
     * Cancels a video's job at its next step boundary (at once if no worker holds it).
     *
     * @param caller who asks; a user key reaches only its own videos
     * @param videoId the video
     * @return the video as it is now
     * @throws NotFoundException if there is none, or the caller may not see it
     * @throws ConflictException {@code video_final} if it already finished
     */
    public VideoRow cancel(Principal caller, String videoId) {
        VideoRow video = videos.getByVideoId(videoId).orElseThrow(() -> Videos.notFound());
        if (!caller.mayAccessUser(video.userId())) {
            throw Videos.notFound();
        }
        switch (engine.cancel(videoId)) {
            case NOT_FOUND -> throw Videos.notFound();
            case ALREADY_FINAL -> throw new ConflictException("video_final",
                    "the video is already " + videos.getByVideoId(videoId).map(VideoRow::status).orElse("final"));
            case CANCELLED -> reads.videoChanged(videoId, video.userId());
        }
        return videos.getByVideoId(videoId).orElseThrow(() -> Videos.notFound());
    }

    private long owner(Principal caller, @Nullable Long userId) {
        if (!caller.admin()) {
            if (userId != null && userId != caller.userId()) {
                throw new ForbiddenException("forbidden_field",
                        "user_id may be set by the admin only (to upload for another user)");
            }
            return caller.userId();
        }
        if (userId == null) {
            throw ProblemException.invalidField("user_id", "the admin must name the user the video belongs to");
        }
        if (users.findById(userId).isEmpty()) {
            throw new NotFoundException("not_found", "user not found");
        }
        return userId;
    }

    /** What the upload asks for, framing aside: the same file, name, options and owner are the same request. */
    private static String fingerprint(Upload upload, long userId) {
        return Idempotency.fingerprint("POST /process-video\n" + userId + "\n" + upload.filename() + "\n"
                + upload.sha256() + "\n" + Objects.requireNonNullElse(upload.options(), "")
                + (upload.callbackUrl() == null ? "" : "\n" + upload.callbackUrl()));
    }
}
