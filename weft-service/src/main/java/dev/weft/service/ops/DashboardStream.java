package dev.weft.service.ops;

import dev.weft.service.EventStreams;
import dev.weft.service.Exchange;
import dev.weft.service.Json;
import io.helidon.http.Method;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How the dashboard's document reaches a page: {@code GET /admin/dashboard/stream} (admin), one Server-Sent Events
 * stream per page instead of a request every two seconds. A stream starts with {@code event: snapshot} (the whole
 * document {@code GET /admin/dashboard} answers), then gets one {@code event: reading} per sampler reading with the
 * new samples and only the sections whose JSON changed since the previous reading.
 *
 * <p>Each reading is rendered once, on the sampler's thread, and its bytes are written by every open stream
 * ({@link DashboardReadings}); while no stream is open nothing is rendered. A stream that missed a reading (it was
 * slow to write, or the reading was published before it counted as a watcher) is sent a snapshot instead. The readings,
 * one every {@link DashboardSampler#INTERVAL}, pace a stream: it waits for the next without a timer of its own; when
 * none came for {@link #HEARTBEAT}, the readings' ticker wakes it to write a comment line (within
 * {@link #HEARTBEAT_TICK} more). It checks its caller's key
 * again every {@link #HEARTBEAT} as it wakes, and ends after {@link EventStreams#MAX_LIFETIME}, when the service stops
 * or when the sampler ends; the page then reconnects.
 *
 * <p>Thread-safe.
 */
final class DashboardStream implements AutoCloseable {
    /** The longest a stream stays silent, and how often it checks its caller's key again. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /**
     * How often the readings' ticker looks for a silence of {@link #HEARTBEAT}: a comment line goes out between 15 and
     * 20 s after the last reading, and the ticker costs a wake-up every 5 s, not two per stream and reading.
     */
    static final Duration HEARTBEAT_TICK = Duration.ofSeconds(5);

    /** What the dashboard shows, rendered by {@link DashboardModule}. */
    interface View {
        /** @return {@code started_at}, {@code now}, {@code interval_ms} and {@code window_ms} */
        Map<String, Object> head();

        /**
         * @return a number that moves whenever {@link #sections()} may answer something new: while it stays, the
         *     sections rendered last are sent again without being built
         */
        long sectionsVersion();

        /**
         * @return the sections after the samples, in their order ({@code jobs} ... {@code health}), each built of
         *     maps, lists, strings, numbers and booleans: a section {@code equals} to its previous value is not
         *     rendered again
         */
        Map<String, Object> sections();

        /**
         * @param after epoch milliseconds
         * @return the samples taken after it, as a JSON array ({@link SampleJson})
         */
        byte[] samplesAfter(long after);

        /** @return when the newest sample ended (epoch ms), 0 before the first */
        long newestSampleAt();
    }

    /**
     * One rendering of the document.
     *
     * @param seq the reading it shows
     * @param body the JSON document
     */
    record Snapshot(long seq, byte[] body) {
    }

    private final View view;
    private final Json json;
    private final Clock clock;
    private final DashboardReadings readings = new DashboardReadings();
    private final AtomicLong renders = new AtomicLong();
    // the sections of reading renderedSeq (what the next reading's changes are found against) and the newest sample
    // the latest reading carried; guarded by the lock, which is held across rendering (health checks do I/O)
    private final ReentrantLock lock = new ReentrantLock();
    private long renderedSeq = -1;
    private Map<String, byte[]> sections = Map.of();
    // the values the sections were last rendered from: a section equal to its last value keeps its bytes, so an idle
    // service's unchanged sections cost a comparison per reading, not a rendering
    private Map<String, Object> sectionValues = Map.of();
    // the view's sectionsVersion() when the sections were last built: while it stays, they are not built again
    private long builtVersion;
    private boolean built;
    private long publishedSampleAt;

    DashboardStream(View view, Json json, Clock clock, MeterRegistry registry) {
        this.view = Objects.requireNonNull(view, "view");
        this.json = Objects.requireNonNull(json, "json");
        this.clock = Objects.requireNonNull(clock, "clock");
        FunctionCounter.builder("weft.dashboard.renders", renders, AtomicLong::get)
                .description("Dashboard documents rendered: once per reading while a page is open, however many are")
                .register(registry);
        Gauge.builder("weft.dashboard.streams", readings, DashboardReadings::watchers)
                .description("Dashboard streams open").register(registry);
    }

    /** Publishes the sampler's latest reading: rendered once if a stream is open, else only counted. */
    void afterReading() {
        lock.lock();
        try {
            long seq = readings.latest().seq() + 1;
            long newest = view.newestSampleAt();
            byte[] frame = null;
            if (readings.watched()) {
                Map<String, byte[]> before = renderedSeq == seq - 1 ? sections : Map.of();
                render(seq);
                Map<String, byte[]> members = new LinkedHashMap<>();
                members.put("samples", view.samplesAfter(publishedSampleAt));
                sections.forEach((name, bytes) -> {
                    if (!Arrays.equals(bytes, before.get(name))) {
                        members.put(name, bytes);
                    }
                });
                byte[] now = new StringBuilder(24).append("{\"now\":").append(clock.millis()).append('}').toString()
                        .getBytes(StandardCharsets.US_ASCII);
                frame = frame("reading", seq, join(now, members));
            }
            publishedSampleAt = newest;
            readings.publish(new DashboardReadings.Reading(seq, frame));
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param since epoch milliseconds: only samples after it
     * @return the whole document as of the latest reading, its sections rendered at most once per reading
     */
    Snapshot snapshot(long since) {
        lock.lock();
        try {
            long seq = readings.latest().seq();
            if (renderedSeq != seq) {
                render(seq);
            }
            Map<String, byte[]> members = new LinkedHashMap<>();
            members.put("samples", view.samplesAfter(since));
            members.putAll(sections);
            return new Snapshot(seq, join(json.writePlain(view.head()), members));
        } finally {
            lock.unlock();
        }
    }

    private void render(long seq) {
        // read before the sections are built: what moves while they are, moves the version again for the next reading
        long version = view.sectionsVersion();
        if (!built || version != builtVersion) {
            Map<String, Object> values = view.sections();
            Map<String, byte[]> out = new LinkedHashMap<>();
            values.forEach((name, value) -> {
                byte[] kept = sections.get(name);
                out.put(name, kept != null && value.equals(sectionValues.get(name)) ? kept : json.writePlain(value));
            });
            sections = out;
            sectionValues = values;
            builtVersion = version;
            built = true;
        }
        renderedSeq = seq;
        renders.incrementAndGet();
    }

    /**
     * Answers {@code GET /admin/dashboard/stream}: a snapshot, then each reading, until the client leaves, the key no
     * longer holds, {@link EventStreams#MAX_LIFETIME} passes or the service stops.
     *
     * @param exchange the request (an admin's)
     * @param caller its caller, checked again every {@link #HEARTBEAT}
     * @param since only samples after it in the first snapshot
     * @throws IOException if the client went away
     */
    void stream(Exchange exchange, EventStreams.Caller caller, long since) throws IOException {
        if (exchange.request().prologue().method().equals(Method.HEAD)) {
            EventStreams.start(exchange).close();
            return;
        }
        // counted before the snapshot, so the next reading is rendered for this stream
        try (DashboardReadings.Watch _ = readings.watch(); OutputStream out = EventStreams.start(exchange)) {
            Snapshot first = snapshot(since);
            out.write(frame("snapshot", first.seq(), first.body()));
            out.flush();
            long seq = first.seq();
            long endAt = System.nanoTime() + EventStreams.MAX_LIFETIME.toNanos();
            long checkAt = System.nanoTime() + HEARTBEAT.toNanos();
            long beats = readings.beats(); // beats before this stream began are not its heartbeat
            // no timed wait (see DashboardReadings): a reading or the ticker's beat wakes the stream
            for (DashboardReadings.Wake wake; (wake = readings.next(seq, beats)) != null; ) {
                beats = wake.beats();
                if (System.nanoTime() - endAt >= 0) {
                    return;
                }
                if (System.nanoTime() - checkAt >= 0) {
                    if (!caller.stillValid()) {
                        return;
                    }
                    checkAt = System.nanoTime() + HEARTBEAT.toNanos();
                }
                DashboardReadings.Reading next = wake.latest();
                if (next.seq() <= seq) {
                    EventStreams.heartbeat(out); // a beat: no reading for HEARTBEAT
                    continue;
                }
                byte[] frame = next.frame();
                if (next.seq() == seq + 1 && frame != null) {
                    out.write(frame);
                    seq = next.seq();
                } else {
                    Snapshot again = snapshot(since);
                    out.write(frame("snapshot", again.seq(), again.body()));
                    seq = again.seq();
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("dashboard stream interrupted");
        }
    }

    /** @return the streams open now */
    int openStreams() {
        return readings.watchers();
    }

    /** @return how many times the document was rendered */
    long renders() {
        return renders.get();
    }

    /** Starts the ticker that keeps the streams' heartbeat while readings are late. */
    void start() {
        readings.startTicker(HEARTBEAT, HEARTBEAT_TICK);
    }

    /** Ends every open stream (the service is stopping). Idempotent. */
    @Override
    public void close() {
        readings.close();
    }

    private static byte[] frame(String event, long seq, byte[] data) {
        // the data is compact JSON, which escapes every line break: one data line carries it. A StringBuilder, not
        // `+`: string concatenation links through method handles, slow in the interpreter a page's readings run in
        byte[] head = new StringBuilder(32).append("id: ").append(seq).append("\nevent: ").append(event)
                .append("\ndata: ").toString().getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + data.length + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(data, 0, out, head.length, data.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }

    /**
     * @param object a JSON object
     * @param members more members, each already JSON
     * @return the object with the members added at its end
     */
    static byte[] join(byte[] object, Map<String, byte[]> members) {
        if (members.isEmpty()) {
            return object;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(object.length + 256);
        out.write(object, 0, object.length - 1);
        boolean empty = object.length == 2;
        for (Map.Entry<String, byte[]> member : members.entrySet()) {
            if (!empty) {
                out.write(',');
            }
            empty = false;
            // the names are fixed section names: nothing to escape
            out.write('"');
            out.writeBytes(member.getKey().getBytes(StandardCharsets.US_ASCII));
            out.write('"');
            out.write(':');
            out.writeBytes(member.getValue());
        }
        out.write('}');
        return out.toByteArray();
    }
}
