package dev.weft.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user of the video API as the job scenarios need one: creates users, submits small videos
 * ({@code POST /process-video}, multipart), and watches their statuses through {@code GET /videos} (one list call per
 * user), recording every submit and every status seen in the {@link History} (op {@code submit} keyed by file name,
 * op {@code status} keyed by video id, value the status). The checks read the history afterwards: legal job
 * transitions, every accepted video final, what a user can see.
 *
 * <p>Thread-safe.
 */
final class VideoJobsClient {
    /** A user and its key. */
    record User(long id, String key) {
    }

    /**
     * An accepted video.
     *
     * @param videoId the video
     * @param jobId its job ({@code <job_id>:process} is its provider idempotency key)
     * @param user its owner
     * @param acceptedAt nanoTime of the 202
     */
    record Video(String videoId, String jobId, User user, long acceptedAt) {
    }

    /** Statuses in the order a job moves through them; final ones rank last and never change. */
    static final List<String> PROGRESS = List.of("queued", "uploading", "processing");
    static final Set<String> FINAL = Set.of("completed", "failed", "cancelled");

    /**
     * What no user-visible field may hold: a class name, an exception's name, library internals, an address.
     * ({@code 127.0.0.1:port}, any IPv4 {@code host:port}, {@code localhost:port}).
     */
    static final Pattern INTERNALS = Pattern.compile("[a-z]+\\.[a-z]+\\.[A-Z]\\w+|\\w+Exception\\b|\\w+Error\\b"
            + "|\\bjava\\.|com\\.fasterxml|org\\.apache|io\\.helidon|JsonNode|Unexpected character|I/O failed"
            + "|\\b\\d{1,3}(?:\\.\\d{1,3}){3}:\\d+|localhost:\\d+");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Http http;
    private final History history;
    private final Map<String, Video> videos = new ConcurrentHashMap<>();
    private final Map<String, String> lastStatus = new ConcurrentHashMap<>();
    private final Map<String, Long> finalAt = new ConcurrentHashMap<>();
    private final Set<String> visibleTexts = ConcurrentHashMap.newKeySet();

    /**
     * @param http the client
     * @param history where operations go
     */
    VideoJobsClient(Http http, History history) {
        this.http = http;
        this.history = history;
    }

    /**
     * @param baseUrl an instance's {@code http://host:port}
     * @param name a unique user name
     * @return the new user
     * @throws IOException without an answer
     * @throws InterruptedException if interrupted
     */
    User createUser(String baseUrl, String name) throws IOException, InterruptedException {
        Http.Answer created = http.post(baseUrl + "/users", Http.admin(),
                Map.of("email", name + "@example.com", "username", name));
        if (created.status() != 201) {
            throw new IllegalStateException("creating user " + name + ": " + created.status() + " " + created.body());
        }
        return new User(created.json().path("id").asLong(), created.json().path("api_key").asText());
    }

    /**
     * Submits one video and records the operation.
     *
     * @param baseUrl an instance
     * @param user the owner
     * @param client who submits, for the history
     * @param filename the file name
     * @param content the file
     * @param optionsJson the options part, or null
     * @return the accepted video, or empty when refused or unanswered
     */
    Optional<Video> submit(String baseUrl, User user, String client, String filename, byte[] content,
            String optionsJson) {
        String boundary = "weftFaults" + Long.toHexString(System.nanoTime());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "Content-Disposition: form-data; name=\"video\"; filename=\"" + filename
                + "\"\r\nContent-Type: video/mp4\r\n", content);
        if (optionsJson != null) {
            part(body, boundary, "Content-Disposition: form-data; name=\"options\"\r\n",
                    optionsJson.getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        long start = System.nanoTime();
        Http.Answer answer = null;
        try {
            answer = http.send(http.builder(baseUrl + "/process-video", Http.user(user.key()))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        } catch (IOException e) {
            // unknown outcome, recorded below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (answer != null && answer.status() >= 400) {
            visibleTexts.add(answer.body());
        }
        if (answer == null || answer.status() != 202) {
            history.record(client, "submit", filename, start, answer, null);
            return Optional.empty();
        }
        JsonNode json = answer.json();
        Video video = new Video(json.path("video_id").asText(), json.path("job_id").asText(), user,
                System.nanoTime());
        history.record(client, "submit", filename, start, answer, video.videoId());
        videos.put(video.videoId(), video);
        observe(client, video.videoId(), start, System.nanoTime(), json.path("status").asText());
        return Optional.of(video);
    }

    private static void part(ByteArrayOutputStream body, String boundary, String headers, byte[] content) {
        body.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads every user's videos once ({@code GET /videos?limit=1000}) and records each status seen.
     *
     * @param baseUrl the instance to read from
     * @param client who reads, for the history
     */
    void poll(String baseUrl, String client) {
        Set<User> users = ConcurrentHashMap.newKeySet();
        videos.values().forEach(video -> users.add(video.user()));
        for (User user : users) {
            long start = System.nanoTime();
            Http.Answer answer;
            try {
                answer = http.get(baseUrl + "/videos?limit=1000", Http.user(user.key()));
            } catch (IOException e) {
                history.record(client, "list", Long.toString(user.id()), start, null, null);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            history.record(client, "list", Long.toString(user.id()), start, answer, null);
            if (answer.status() != 200) {
                visibleTexts.add(answer.body());
                continue;
            }
            long end = System.nanoTime();
            for (JsonNode item : answer.json().path("items")) {
                String videoId = item.path("video_id").asText();
                if (videos.containsKey(videoId)) {
                    observe(client, videoId, start, end, item.path("status").asText());
                    visibleTexts.add(item.toString());
                }
            }
        }
    }

    /**
     * Polls ({@link #poll}) until every accepted video is final or the deadline passes.
     *
     * @param baseUrl the instance to read from (one that stays up)
     * @param deadline nanoTime to give up at
     * @param every the wait between two polls
     * @return whether every video was final
     */
    boolean awaitFinal(String baseUrl, long deadline, java.time.Duration every) throws InterruptedException {
        while (true) {
            poll(baseUrl, "watcher");
            if (allFinal()) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(every);
        }
    }

    private void observe(String client, String videoId, long start, long end, String status) {
        history.add(new History.Op(client, "status", videoId, start, end, History.Outcome.OK, 200, status));
        lastStatus.put(videoId, status);
        if (FINAL.contains(status)) {
            finalAt.putIfAbsent(videoId, end);
        }
    }

    /** @return every accepted video */
    Collection<Video> videos() {
        return videos.values();
    }

    /** @return whether every accepted video was last seen final */
    boolean allFinal() {
        return videos.keySet().stream().allMatch(id -> FINAL.contains(lastStatus.get(id)));
    }

    /** @param status a status @return how many accepted videos were last seen in it */
    long count(String status) {
        return videos.keySet().stream().filter(id -> status.equals(lastStatus.get(id))).count();
    }

    /** @param videoId a video @return its last status seen */
    String status(String videoId) {
        return lastStatus.get(videoId);
    }

    /** @param videoId a video @return nanoTime of the read that first saw it final, if any */
    Optional<Long> finalAt(String videoId) {
        return Optional.ofNullable(finalAt.get(videoId));
    }

    /** @return counts of the last statuses seen */
    Map<String, Long> statusCounts() {
        Map<String, Long> out = new TreeMap<>();
        videos.keySet().forEach(id -> out.merge(String.valueOf(lastStatus.get(id)), 1L, Long::sum));
        return out;
    }

    /**
     * Checks the statuses seen per video, in the order the reads ended: {@code queued → uploading → processing →
     * completed|failed|cancelled}, never backwards, nothing after a final status but the same status, nothing
     * unknown.
     *
     * @return one line per illegal transition
     */
    List<String> illegalTransitions() {
        List<String> illegal = new ArrayList<>();
        Map<String, List<History.Op>> byVideo = new LinkedHashMap<>();
        history.where(op -> op.op().equals("status")).stream()
                .sorted(java.util.Comparator.comparingLong(History.Op::end))
                .forEach(op -> byVideo.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op));
        byVideo.forEach((videoId, ops) -> {
            String previous = null;
            for (History.Op op : ops) {
                String now = op.value();
                if (!PROGRESS.contains(now) && !FINAL.contains(now)) {
                    illegal.add(videoId + ": unknown status " + now);
                } else if (previous != null && !legal(previous, now)) {
                    illegal.add(videoId + ": " + previous + " -> " + now);
                }
                previous = now;
            }
        });
        return illegal;
    }

    private static boolean legal(String from, String to) {
        if (FINAL.contains(from)) {
            return from.equals(to);
        }
        return FINAL.contains(to) || PROGRESS.indexOf(to) >= PROGRESS.indexOf(from);
    }

    /** @return every distinct user-visible text seen (list items, video bodies, problem bodies) */
    Set<String> visibleTexts() {
        return visibleTexts;
    }

    /**
     * @param extra more patterns, e.g. the provider's {@code host:port}
     * @return each internal detail found in a user-visible text, with its context
     */
    List<String> leaks(String... extra) {
        List<String> found = new ArrayList<>();
        for (String text : visibleTexts) {
            Matcher matcher = INTERNALS.matcher(text);
            while (matcher.find()) {
                found.add(matcher.group() + " in " + excerpt(text, matcher.start()));
            }
            for (String literal : extra) {
                int at = text.indexOf(literal);
                if (at >= 0) {
                    found.add(literal + " in " + excerpt(text, at));
                }
            }
        }
        return found;
    }

    private static String excerpt(String text, int at) {
        return text.substring(Math.max(0, at - 80), Math.min(text.length(), at + 120));
    }

    /**
     * @param baseUrl an instance
     * @param user a user
     * @return the user's usage rows ({@code GET /usage} total)
     */
    long usageTotal(String baseUrl, User user) throws IOException, InterruptedException {
        return http.get(baseUrl + "/usage", Http.user(user.key())).json().path("total").asLong();
    }

    /**
     * The provider's {@code GET /stats}.
     *
     * @param providerUrl the provider's base URL
     * @return per-key counts and totals
     */
    ProviderStats providerStats(String providerUrl) throws IOException, InterruptedException {
        JsonNode stats = http.get(providerUrl + "/stats", Map.of()).json();
        return new ProviderStats(counts(stats.path("process_calls")), counts(stats.path("jobs_created")),
                counts(stats.path("faults")), stats.path("requests").asLong());
    }

    private static Map<String, Long> counts(JsonNode node) {
        Map<String, Long> out = new TreeMap<>();
        node.properties().forEach(entry -> out.put(entry.getKey(), entry.getValue().asLong()));
        return out;
    }

    /**
     * What the provider counted.
     *
     * @param processCalls handled process calls per idempotency key
     * @param jobsCreated provider jobs created per idempotency key
     * @param faults injected faults by kind
     * @param requests every contract call
     */
    record ProviderStats(Map<String, Long> processCalls, Map<String, Long> jobsCreated, Map<String, Long> faults,
            long requests) {
        /** @return keys whose provider job was created more than once */
        long duplicateJobs() {
            return jobsCreated.values().stream().filter(count -> count > 1).count();
        }

        /** @param videos accepted videos @return how many had more than one handled process call */
        long repeatedProcessCalls(Collection<Video> videos) {
            return videos.stream().filter(video -> processCalls.getOrDefault(video.jobId() + ":process", 0L) > 1)
                    .count();
        }
    }

    /** @param value an object @return its JSON text */
    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
