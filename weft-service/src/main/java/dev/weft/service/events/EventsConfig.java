package dev.weft.service.events;

import dev.weft.core.InvalidConfigException;
import dev.weft.service.settings.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the event log and the event streams.
 *
 * <p>Immutable and thread-safe.
 *
 * @param keepPerUser events kept per user in the log ({@code WEFT_EVENTS_KEEP_PER_USER}); older ones are pruned
 * @param maxAge how long an event is kept at most ({@code WEFT_EVENTS_MAX_AGE_MS}); a client that resumes from an
 *     id pruned away gets what is left
 * @param pollInterval how often the instance reads new events from the log while streams are open
 *     ({@code WEFT_EVENTS_POLL_MS}): the delay of an event made on another instance; one made here is nudged at once
 * @param heartbeat how long a stream may go without a byte before a comment line is sent
 *     ({@code WEFT_EVENTS_HEARTBEAT_MS}), so proxies keep the connection and a gone client is noticed
 * @param maxStreams open streams per instance ({@code WEFT_EVENTS_MAX_STREAMS}); one more is a 503
 * @param maxStreamsPerKey open streams per API key and instance ({@code WEFT_EVENTS_MAX_STREAMS_PER_KEY}); one
 *     more is a 429
 */
public record EventsConfig(int keepPerUser, Duration maxAge, Duration pollInterval, Duration heartbeat,
        int maxStreams, int maxStreamsPerKey) {
    /** Default {@link #keepPerUser()}. */
    public static final int DEFAULT_KEEP_PER_USER = 1_000;
    /** Default {@link #maxAge()}. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);
    /**
     * Default {@link #pollInterval()}: 250 ms, one indexed read per instance (not per stream) four times a second,
     * and only while a stream is open (every 5 s otherwise).
     */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
    /** Default {@link #heartbeat()}: 15 s, under the 30 to 60 s idle timeouts of common proxies. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    /** Default {@link #maxStreams()}. */
    public static final int DEFAULT_MAX_STREAMS = 1_000;
    /** Default {@link #maxStreamsPerKey()}: a few browser tabs. */
    public static final int DEFAULT_MAX_STREAMS_PER_KEY = 10;

    /** Checks every field. */
    public EventsConfig {
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(heartbeat, "heartbeat");
        if (keepPerUser < 1 || keepPerUser > 1_000_000) {
            throw new InvalidConfigException("weft.events.keep-per-user", keepPerUser, "must be 1..1000000");
        }
        if (maxAge.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new InvalidConfigException("weft.events.max-age", maxAge, "must be >= 1 minute");
        }
        if (pollInterval.compareTo(Duration.ofMillis(10)) < 0 || pollInterval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new InvalidConfigException("weft.events.poll", pollInterval, "must be 10 ms..10 s");
        }
        if (heartbeat.compareTo(Duration.ofMillis(100)) < 0 || heartbeat.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new InvalidConfigException("weft.events.heartbeat", heartbeat, "must be 100 ms..5 minutes");
        }
        if (maxStreams < 1) {
            throw new InvalidConfigException("weft.events.max-streams", maxStreams, "must be >= 1");
        }
        if (maxStreamsPerKey < 1 || maxStreamsPerKey > maxStreams) {
            throw new InvalidConfigException(Settings.EVENTS_MAX_STREAMS_PER_KEY.label(), maxStreamsPerKey,
                    "must be 1.." + Settings.EVENTS_MAX_STREAMS.label());
        }
    }

    /** @return the defaults */
    public static EventsConfig defaults() {
        return new EventsConfig(DEFAULT_KEEP_PER_USER, DEFAULT_MAX_AGE, DEFAULT_POLL_INTERVAL, DEFAULT_HEARTBEAT,
                DEFAULT_MAX_STREAMS, DEFAULT_MAX_STREAMS_PER_KEY);
    }

    /**
     * Reads {@code WEFT_EVENTS_KEEP_PER_USER}, {@code WEFT_EVENTS_MAX_AGE_MS}, {@code WEFT_EVENTS_POLL_MS},
     * {@code WEFT_EVENTS_HEARTBEAT_MS}, {@code WEFT_EVENTS_MAX_STREAMS} and {@code WEFT_EVENTS_MAX_STREAMS_PER_KEY}.
     *
     * @param env the environment
     * @return the config
     * @throws InvalidConfigException naming the first bad variable
     */
    public static EventsConfig fromEnv(Map<String, String> env) {
        EventsConfig base = defaults();
        int maxStreams = Settings.EVENTS_MAX_STREAMS.integer(env, base.maxStreams());
        return new EventsConfig(
                Settings.EVENTS_KEEP_PER_USER.integer(env, base.keepPerUser()),
                Settings.EVENTS_MAX_AGE.millis(env, base.maxAge()),
                Settings.EVENTS_POLL.millis(env, base.pollInterval()),
                Settings.EVENTS_HEARTBEAT.millis(env, base.heartbeat()),
                maxStreams,
                // a small instance-wide limit lowers the per-key default with it instead of refusing the start
                Settings.EVENTS_MAX_STREAMS_PER_KEY.integer(env, Math.min(base.maxStreamsPerKey(), maxStreams)));
    }

    /** @param value the heartbeat @return a copy */
    public EventsConfig withHeartbeat(Duration value) {
        return new EventsConfig(keepPerUser, maxAge, pollInterval, value, maxStreams, maxStreamsPerKey);
    }

    /** @param total streams per instance @param perKey streams per key @return a copy */
    public EventsConfig withStreamLimits(int total, int perKey) {
        return new EventsConfig(keepPerUser, maxAge, pollInterval, heartbeat, total, perKey);
    }

    /** @param value the poll interval @return a copy */
    public EventsConfig withPollInterval(Duration value) {
        return new EventsConfig(keepPerUser, maxAge, value, heartbeat, maxStreams, maxStreamsPerKey);
    }
}
