package dev.weft.service.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A Server-Sent Events client for the tests, written to the WHATWG parsing rules (fields {@code id}, {@code event},
 * {@code data}; comment lines; an event ends at a blank line), over the JDK's HTTP client: it is not the service's
 * code, so it checks the wire format independently. Public: the dashboard's stream tests read with it too.
 */
public final class SseClient implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** One event. @param id its id @param type its type @param data its data, parsed */
    public record Event(long id, String type, JsonNode data) {
    }

    /** What the stream produced: an event, a comment, or its end. */
    private sealed interface Item {
    }

    private record EventItem(Event event) implements Item {
    }

    private record End() implements Item {
    }

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
    private final AtomicInteger comments = new AtomicInteger();
    private volatile long retryMillis = -1;
    private final @Nullable String errorBody;
    private final @Nullable Thread reader;
    private volatile boolean ended;

    private SseClient(HttpResponse<InputStream> response) throws IOException {
        this.response = response;
        if (response.statusCode() != 200) {
            try (InputStream body = response.body()) {
                errorBody = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            }
            reader = null;
            return;
        }
        errorBody = null;
        reader = Thread.ofVirtual().start(this::read);
    }

    /**
     * @param base the service's base URL
     * @param path the path and query
     * @param key the API key, or none
     * @param headers more headers, name then value
     * @return the open client; its status is known, and a 200's events arrive as the service sends them
     */
    public static SseClient open(String base, String path, @Nullable String key, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET()
                .header("Accept", "text/event-stream");
        if (key != null) {
            request.header("X-API-Key", key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return new SseClient(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return response.statusCode();
    }

    public @Nullable String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** @return the body of an answer that was not a stream (a problem) */
    public JsonNode problem() {
        try {
            return MAPPER.readTree(errorBody == null ? "{}" : errorBody);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return comment lines received so far (heartbeats and the opening comment) */
    public int comments() {
        return comments.get();
    }

    /** @return the reconnection time the stream's {@code retry:} field set, or -1 */
    public long retryMillis() {
        return retryMillis;
    }

    /**
     * @param timeout the longest wait
     * @return the next event
     * @throws AssertionError if the stream ended or nothing came in time
     */
    public Event next(Duration timeout) throws InterruptedException {
        Item item = items.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (item instanceof EventItem(Event event)) {
            return event;
        }
        throw new AssertionError(item == null ? "no event within " + timeout : "the stream ended");
    }

    /**
     * @param count how many
     * @param timeout the longest wait for each
     * @return the next {@code count} events
     */
    public List<Event> next(int count, Duration timeout) throws InterruptedException {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(next(timeout));
        }
        return events;
    }

    /**
     * @param timeout the longest wait for the whole stream
     * @return every event until the service ended the stream
     * @throws AssertionError if it did not end in time
     */
    public List<Event> untilEnd(Duration timeout) throws InterruptedException {
        List<Event> events = new ArrayList<>();
        long until = System.nanoTime() + timeout.toNanos();
        while (true) {
            Item item = items.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (item == null) {
                throw new AssertionError("the stream did not end within " + timeout + "; got " + events);
            }
            if (item instanceof EventItem(Event event)) {
                events.add(event);
            } else {
                return events;
            }
        }
    }

    /**
     * @param time how long to watch
     * @return whether no event came (and the stream did not end) in that time
     */
    public boolean quietFor(Duration time) throws InterruptedException {
        Item item = items.poll(time.toNanos(), TimeUnit.NANOSECONDS);
        return item == null;
    }

    /** @return whether the service ended the stream */
    public boolean ended() {
        return ended;
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String id = null;
            String type = "message";
            StringBuilder data = null;
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        items.add(new EventItem(new Event(id == null ? -1 : Long.parseLong(id), type, MAPPER.readTree(data.toString()))));
                    }
                    id = null;
                    type = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.incrementAndGet();
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> type = value;
                        case "retry" -> retryMillis = Long.parseLong(value);
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> {
                        }
                    }
                }
            }
        } catch (IOException e) {
            // closed by the test
        } finally {
            ended = true;
            items.add(new End());
        }
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException e) {
            // closing
        }
        if (reader != null) {
            reader.interrupt();
        }
    }
}
