package dev.weft.service.events;

import dev.weft.core.WeftException;
import dev.weft.service.data.VideoEvent;
import dev.weft.service.data.VideoEventRepository;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reader of the event log per instance: a virtual thread reads the events after the last id it saw (every
 * {@link EventsConfig#pollInterval()} while a stream is open, every {@link #IDLE_POLL} otherwise, at once on a
 * {@link #nudge()}) and hands each to the open {@link Subscription}s it matches. Events committed on any instance
 * reach every instance's streams this way, through the database alone; the nudge only shortens the wait for
 * events made here.
 *
 * <p>A subscription is live delivery only; a stream reads its backlog from the log itself and drops ids it already
 * sent, so the order "subscribe, then read the backlog" leaves no gap (the log's ids commit in order, see
 * {@link VideoEventRepository}). A subscriber that falls {@link #QUEUE_CAPACITY} events behind is ended after the
 * events it holds, rather than buffered without bound: its client resumes with {@code Last-Event-ID}.
 *
 * <p>Thread-safe.
 */
public final class EventFeed implements AutoCloseable {
    /** How often the log is read while no stream is open: keeps the position fresh for the next subscriber. */
    static final Duration IDLE_POLL = Duration.ofSeconds(5);
    /** Events held per subscriber before it is ended. */
    static final int QUEUE_CAPACITY = 10_000;
    private static final int BATCH = 500;
    private static final Logger LOG = LoggerFactory.getLogger(EventFeed.class);

    private final VideoEventRepository log;
    private final Duration pollInterval;
    private final CopyOnWriteArraySet<Subscription> subscribers = new CopyOnWriteArraySet<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile @Nullable Thread reader;
    private volatile boolean nudged;
    // both only touched by start() (before the reader runs) and the reader thread
    private volatile long lastId = -1;
    private boolean failing;

    /**
     * @param log the event log
     * @param pollInterval how often to read it while a stream is open
     */
    public EventFeed(VideoEventRepository log, Duration pollInterval) {
        this.log = Objects.requireNonNull(log, "log");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
    }

    /** Reads the log's position (if the database answers) and starts the reader thread. Idempotent. */
    public synchronized void start() {
        if (reader == null && !closed.get()) {
            try {
                lastId = log.lastId();
            } catch (RuntimeException e) {
                // the reader takes the position later and ends the streams that began before it
                LOG.atWarn().setMessage("reading the event log's position failed").addKeyValue("error.code",
                        e instanceof WeftException weft ? weft.code() : e.getClass().getSimpleName()).log();
            }
            reader = Thread.ofVirtual().name("weft-event-feed").start(this::readLoop);
        }
    }

    /**
     * Subscribes to the events the reader sees from now on.
     *
     * @param userId only this user's events, or {@code null} for every user's
     * @param videoId only this video's events, or {@code null} for every video's
     * @return the subscription; close it when the stream ends
     */
    public Subscription subscribe(@Nullable Long userId, @Nullable String videoId) {
        Subscription subscription = new Subscription(userId, videoId);
        subscribers.add(subscription);
        if (closed.get()) {
            subscription.end();
        }
        nudge();
        return subscription;
    }

    /** Reads the log now: call after a transaction that logged an event committed on this instance. */
    public void nudge() {
        nudged = true;
        Thread thread = reader;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    /** @return the streams open on this instance */
    public int subscribers() {
        return subscribers.size();
    }

    /** Stops the reader and ends every subscription. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        subscribers.forEach(Subscription::end);
        Thread thread = reader;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void readLoop() {
        while (!closed.get()) {
            boolean more = false;
            try {
                more = readOnce();
                if (failing) {
                    failing = false;
                    LOG.atInfo().setMessage("event log readable again").log();
                }
            } catch (RuntimeException e) {
                if (!failing) {
                    failing = true;
                    LOG.atWarn().setMessage("reading the event log failed; streams wait for it")
                            .addKeyValue("error.code", e instanceof WeftException weft ? weft.code()
                                    : e.getClass().getSimpleName()).log();
                }
            }
            if (!more) {
                long wait = (subscribers.isEmpty() ? IDLE_POLL : pollInterval).toNanos();
                long until = System.nanoTime() + wait;
                // parkNanos may return early (spuriously or on unpark): only a nudge or the time ends the wait
                while (!nudged && !closed.get() && System.nanoTime() < until) {
                    LockSupport.parkNanos(until - System.nanoTime());
                    if (Thread.interrupted() && closed.get()) {
                        return;
                    }
                }
            }
        }
    }

    /** @return whether a full batch came back (more may be waiting) */
    private boolean readOnce() {
        nudged = false;
        if (lastId < 0) {
            lastId = log.lastId();
            // a stream that subscribed before this position was known may have read its backlog to a lower id:
            // ended, its client resumes from the last id it got, without a gap
            subscribers.forEach(Subscription::end);
            return false;
        }
        List<VideoEvent> batch = log.after(lastId, null, null, BATCH);
        for (VideoEvent event : batch) {
            for (Subscription subscription : subscribers) {
                subscription.offer(event);
            }
            lastId = event.eventId();
        }
        return batch.size() == BATCH;
    }

    /**
     * One stream's live events: those the feed reads after the subscription, filtered by user and video.
     *
     * <p>Thread-safe: the feed offers, the stream takes.
     */
    public final class Subscription implements AutoCloseable {
        private final @Nullable Long userId;
        private final @Nullable String videoId;
        private final BlockingQueue<VideoEvent> queue = new LinkedBlockingQueue<>(QUEUE_CAPACITY);
        private volatile boolean ended;

        private Subscription(@Nullable Long userId, @Nullable String videoId) {
            this.userId = userId;
            this.videoId = videoId;
        }

        private void offer(VideoEvent event) {
            if (ended || (userId != null && userId != event.userId())
                    || (videoId != null && !videoId.equals(event.videoId()))) {
                return;
            }
            if (!queue.offer(event)) {
                end();
            }
        }

        private void end() {
            ended = true;
        }

        /**
         * @param timeout the longest wait
         * @return the next event, or {@code null} if none came in time (see {@link #ended()})
         * @throws InterruptedException if interrupted while waiting
         */
        public @Nullable VideoEvent next(Duration timeout) throws InterruptedException {
            VideoEvent event = queue.poll();
            if (event != null || ended) {
                return event;
            }
            // short slices, so an end (overflow, shutdown) is seen within a second of the queue running dry
            long until = System.nanoTime() + timeout.toNanos();
            while (!ended) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                event = queue.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                if (event != null) {
                    return event;
                }
            }
            return queue.poll();
        }

        /** @return whether no more events will come (the feed closed, or this subscriber fell too far behind) */
        public boolean ended() {
            return ended && queue.isEmpty();
        }

        @Override
        public void close() {
            ended = true;
            subscribers.remove(this);
        }
    }
}
