package dev.weft.service.events;

import dev.weft.core.NotFoundException;
import dev.weft.service.Access;
import dev.weft.service.ApiKeys;
import dev.weft.service.EventStreams;
import dev.weft.service.Exchange;
import dev.weft.service.Principal;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.data.VideoEvent;
import dev.weft.service.data.VideoEventRepository;
import dev.weft.service.data.VideoRepository;
import dev.weft.service.data.VideoRow;
import io.helidon.http.Method;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /videos/{video_id}/events} and {@code GET /events}: video status changes as Server-Sent Events, from
 * the event log. Every event carries {@code id:} (the log's id), {@code event:} (the status) and {@code data:}
 * (the video as {@code GET /videos/{video_id}} renders it). A client resumes with {@code Last-Event-ID} (or
 * {@code last_event_id} in the query) and gets exactly the events after that id that the log still holds. Without
 * one, a video's stream starts with the video's whole retained history and {@code /events} with what happens next.
 *
 * <p>Each stream first subscribes to the {@link EventFeed}, then reads its backlog from the log, then sends the
 * feed's events, dropping ids it already sent: the log commits ids in order, so nothing falls between. A comment
 * line goes out after {@link EventsConfig#heartbeat()} of silence. A video's stream ends after the video's final
 * event ({@code completed}, {@code failed}, {@code cancelled}), and a video's stream with nothing left to send
 * (final, resumed past its last event) is a {@code 204}, which tells an {@code EventSource} to stop reconnecting;
 * {@code /events} runs until the client leaves, the
 * service stops, or the client falls {@link EventFeed#QUEUE_CAPACITY} events behind (it then resumes). Who may
 * watch what, and the stream limits, are checked before the answer starts, so a refusal is a problem+json.
 *
 * <p>An open stream checks its caller again before each page of backlog, each live event and each heartbeat: the key
 * is resolved as a request's is (through the cached key-to-principal lookup that rotating the key, deactivating or
 * deleting the user drop), and the stream ends when it no longer resolves to the same principal. A stream also ends
 * after {@link EventStreams#MAX_LIFETIME}, so an {@code EventSource} reconnects and authenticates afresh. What every
 * stream of the service shares (the answer's start, the heartbeat, that check) is {@link EventStreams}.
 *
 * <p>Thread-safe; each stream blocks its own virtual thread.
 */
public final class EventEndpoints implements RouteModule {
    private static final Set<String> FINAL = Set.of("completed", "failed", "cancelled");
    private static final int BACKLOG_PAGE = 500;

    private final VideoRepository videos;
    private final VideoEventRepository log;
    private final EventFeed feed;
    private final EventsConfig config;
    private final StreamLimits limits;
    private final ApiKeys apiKeys;

    /**
     * @param videos the videos, for who may watch one
     * @param log the event log
     * @param feed the instance's feed of new events
     * @param config heartbeat and limits
     * @param apiKeys the keys, to check an open stream's caller again
     */
    public EventEndpoints(VideoRepository videos, VideoEventRepository log, EventFeed feed, EventsConfig config,
            ApiKeys apiKeys) {
        this.apiKeys = Objects.requireNonNull(apiKeys, "apiKeys");
        this.videos = Objects.requireNonNull(videos, "videos");
        this.log = Objects.requireNonNull(log, "log");
        this.feed = Objects.requireNonNull(feed, "feed");
        this.config = Objects.requireNonNull(config, "config");
        this.limits = new StreamLimits(config.maxStreams(), config.maxStreamsPerKey());
    }

    @Override
    public void routes(Routes routes) {
        routes.eventStream("/videos/{video_id}/events", Access.AUTHENTICATED, this::videoEvents)
                .eventStream("/events", Access.AUTHENTICATED, this::userEvents);
    }

    /** @return the streams open on this instance */
    public int openStreams() {
        return limits.openStreams();
    }

    private void videoEvents(Exchange exchange) throws IOException {
        String videoId = exchange.pathParam("video_id");
        if (!videoId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw notFound();
        }
        Principal caller = exchange.principal();
        VideoRow video = videos.getByVideoId(videoId).orElseThrow(EventEndpoints::notFound);
        if (!caller.mayAccessUser(video.userId())) {
            throw notFound();
        }
        long from = resumePoint(exchange).orElse(0L);
        stream(exchange, new Filter(null, videoId), from);
    }

    private void userEvents(Exchange exchange) throws IOException {
        Long userId = exchange.scopedUser("only the admin may watch another user's events");
        Optional<Long> resume = resumePoint(exchange);
        long from = resume.isPresent() ? resume.get() : log.lastId();
        stream(exchange, new Filter(userId, null), from);
    }

    private void stream(Exchange exchange, Filter filter, long from) throws IOException {
        if (exchange.request().prologue().method().equals(Method.HEAD)) {
            startAnswer(exchange).close();
            return;
        }
        EventStreams.Caller caller = EventStreams.caller(exchange, apiKeys);
        try (StreamLimits.Slot _ = limits.acquire(exchange.principal().scope());
                EventFeed.Subscription live = feed.subscribe(filter.userId(), filter.videoId())) {
            // subscribed first, so an event committed while the backlog is read arrives live (and is dropped if the
            // backlog already had it)
            List<VideoEvent> first = page(filter, from);
            if (filter.videoId() != null && first.isEmpty() && videoFinal(filter.videoId())
                    && page(filter, from).isEmpty()) {
                // nothing will ever follow: 204 is what makes an EventSource stop reconnecting
                exchange.noContent();
                return;
            }
            try (OutputStream out = startAnswer(exchange)) {
                // retry: an EventSource reconnects after its own default (about 3 s in browsers) when the stream
                // ends (an instance stopping, the 15-minute limit); a second is enough to reach another instance
                out.write(": weft event stream\nretry: 1000\n\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long last = writeBacklog(out, filter, first, from, caller);
                if (last < 0) {
                    return;
                }
                if (filter.videoId() != null && videoFinal(filter.videoId())) {
                    // the final status committed with its event: whatever the backlog missed is in the log by now
                    writeBacklog(out, filter, page(filter, last), last, caller);
                    return;
                }
                follow(out, live, filter, last, caller);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("event stream interrupted");
        }
    }

    private void follow(OutputStream out, EventFeed.Subscription live, Filter filter, long after,
            EventStreams.Caller caller) throws IOException, InterruptedException {
        long last = after;
        long endAt = System.nanoTime() + EventStreams.MAX_LIFETIME.toNanos();
        while (true) {
            long left = endAt - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Duration wait = config.heartbeat().toNanos() < left ? config.heartbeat() : Duration.ofNanos(left);
            VideoEvent event = live.next(wait);
            if (event == null) {
                if (live.ended() || !caller.stillValid()) {
                    return;
                }
                EventStreams.heartbeat(out);
                continue;
            }
            if (event.eventId() <= last) {
                continue;
            }
            if (!caller.stillValid()) {
                return;
            }
            write(out, event);
            last = event.eventId();
            if (filter.endsAfter(event)) {
                return;
            }
        }
    }

    /**
     * Writes the log's events after {@code after} page by page as each is read (never the whole backlog in memory),
     * checking the caller before each page.
     *
     * @param first the first page, already read
     * @return the last id written (or {@code after}), or -1 when the stream ends: its final event went out, or the
     *     caller lost access
     */
    private long writeBacklog(OutputStream out, Filter filter, List<VideoEvent> first, long after,
            EventStreams.Caller caller) throws IOException {
        long last = after;
        List<VideoEvent> page = first;
        while (true) {
            if (!page.isEmpty() && !caller.stillValid()) {
                return -1;
            }
            for (VideoEvent event : page) {
                write(out, event);
                last = event.eventId();
                if (filter.endsAfter(event)) {
                    return -1;
                }
            }
            if (page.size() < BACKLOG_PAGE) {
                return last;
            }
            page = page(filter, last);
        }
    }

    private List<VideoEvent> page(Filter filter, long after) {
        return log.after(after, filter.userId(), filter.videoId(), BACKLOG_PAGE);
    }

    private boolean videoFinal(String videoId) {
        return videos.getByVideoId(videoId).map(video -> FINAL.contains(video.status())).orElse(true);
    }

    private static OutputStream startAnswer(Exchange exchange) {
        return EventStreams.start(exchange);
    }

    private static void write(OutputStream out, VideoEvent event) throws IOException {
        // the payload is compact JSON: no raw line breaks, so one data line carries it
        String frame = "id: " + event.eventId() + "\nevent: " + event.eventType() + "\ndata: " + event.payload()
                + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * {@code Last-Event-ID}, else {@code last_event_id}: a non-negative integer no greater than the log's last id
     * (a larger one would silently skip the events up to it, so it is refused: 400 {@code last_event_id_ahead}).
     */
    private Optional<Long> resumePoint(Exchange exchange) {
        Optional<String> header = exchange.header("Last-Event-ID");
        String name = header.isPresent() ? "Last-Event-ID" : "last_event_id";
        Optional<String> value = header.isPresent() ? header : exchange.query("last_event_id");
        if (value.isEmpty() || value.get().isBlank()) {
            return Optional.empty();
        }
        try {
            long id = Long.parseLong(value.get().trim());
            if (id >= 0) {
                if (id > log.lastId()) {
                    throw ProblemException.of(400, "last_event_id_ahead",
                            name + " is ahead of the event log; reconnect without it");
                }
                return Optional.of(id);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.invalidField(name, "must be an event id: a non-negative integer");
    }

    private static NotFoundException notFound() {
        return new NotFoundException("not_found", "video not found");
    }

    /** Which events a stream carries. */
    private record Filter(@Nullable Long userId, @Nullable String videoId) {
        /** A video's stream ends with its final event. */
        boolean endsAfter(VideoEvent event) {
            return videoId != null && event.terminal();
        }
    }
}
