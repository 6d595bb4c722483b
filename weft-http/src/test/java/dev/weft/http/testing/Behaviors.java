package dev.weft.http.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** The implementations behind {@link Behavior}'s factories. Each is immutable or synchronizes its state. */
final class Behaviors {

    private Behaviors() {
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("fault server thread interrupted while waiting", e);
        }
    }

    private static Duration requireNonNegative(Duration duration, String name) {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative()) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + duration);
        }
        return duration;
    }

    private static void requireStatus(int status) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status must be 200-599, was " + status);
        }
    }

    record Fixed(int status, @Nullable String contentType, String body, Map<String, String> headers)
            implements Behavior {
        Fixed {
            requireStatus(status);
            Objects.requireNonNull(body, "body");
            headers = Map.copyOf(headers);
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            Map<String, String> all = new LinkedHashMap<>(headers);
            if (contentType != null) {
                all.putIfAbsent("Content-Type", contentType);
            }
            exchange.respond(status, all, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    enum Reset implements Behavior {
        INSTANCE;

        @Override
        public void respond(Exchange exchange) throws IOException {
            exchange.drainBody();
            exchange.reset();
        }
    }

    enum ResetBeforeRequest implements Behavior {
        INSTANCE;

        @Override
        public void respond(Exchange exchange) throws IOException {
            // reached only when nested: the request already counted, so this is a plain reset
            Reset.INSTANCE.respond(exchange);
        }
    }

    record Delay(Duration delay, Behavior then) implements Behavior {
        Delay {
            requireNonNegative(delay, "delay");
            Objects.requireNonNull(then, "then");
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            sleep(delay);
            then.respond(exchange);
        }
    }

    record Trickle(byte[] body, int chunkSize, Duration interval) implements Behavior {
        Trickle {
            body = body.clone();
            if (chunkSize < 1) {
                throw new IllegalArgumentException("chunkSize must be >= 1, was " + chunkSize);
            }
            requireNonNegative(interval, "interval");
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            try (OutputStream out = exchange.respondStreaming(200,
                    Map.of("Content-Type", "application/octet-stream"), body.length)) {
                for (int offset = 0; offset < body.length; offset += chunkSize) {
                    if (offset > 0) {
                        sleep(interval);
                    }
                    out.write(body, offset, Math.min(chunkSize, body.length - offset));
                    out.flush();
                }
            }
        }
    }

    record TrickledHead(int headerLines, Duration interval, String body) implements Behavior {
        TrickledHead {
            if (headerLines < 0) {
                throw new IllegalArgumentException("headerLines must be >= 0, was " + headerLines);
            }
            requireNonNegative(interval, "interval");
            Objects.requireNonNull(body, "body");
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            OutputStream out = exchange.respondRaw();
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (int line = 1; line <= headerLines; line++) {
                sleep(interval);
                out.write(("X-Trickle-" + line + ": " + line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            out.write(("Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + content.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
        }
    }

    record Chunked(String contentType, List<String> chunks, Duration interval) implements Behavior {
        Chunked {
            Objects.requireNonNull(contentType, "contentType");
            chunks = List.copyOf(chunks);
            requireNonNegative(interval, "interval");
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            try (OutputStream out = exchange.respondStreaming(200, Map.of("Content-Type", contentType), -1)) {
                for (int i = 0; i < chunks.size(); i++) {
                    if (i > 0) {
                        sleep(interval);
                    }
                    out.write(chunks.get(i).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        }
    }

    record Gzip(Behavior behavior) implements Behavior {
        Gzip {
            Objects.requireNonNull(behavior, "behavior");
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            exchange.gzip();
            behavior.respond(exchange);
        }
    }

    record BigBodyBehavior(long size) implements Behavior {
        BigBodyBehavior {
            if (size < 0) {
                throw new IllegalArgumentException("size must be >= 0, was " + size);
            }
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            try (OutputStream out = exchange.respondStreaming(200,
                    Map.of("Content-Type", "application/octet-stream"), size)) {
                BigBody.writeTo(out, size);
            }
        }
    }

    enum Sink implements Behavior {
        INSTANCE;

        @Override
        public void respond(Exchange exchange) throws IOException {
            MessageDigest whole = BigBody.sha256();
            Http1.CountingInputStream counted = new Http1.CountingInputStream(
                    new DigestInputStream(exchange.body(), whole));
            String contentType = exchange.request().header("Content-Type").orElse("");
            String boundary = boundary(contentType);
            List<Multipart.Part> parts = boundary == null ? List.of() : Multipart.parse(counted, boundary);
            counted.transferTo(OutputStream.nullOutputStream());
            StringJoiner partsJson = new StringJoiner(",", "[", "]");
            for (Multipart.Part part : parts) {
                partsJson.add("{\"name\":" + Http1.jsonString(part.name())
                        + ",\"filename\":" + (part.filename() == null ? "null" : Http1.jsonString(part.filename()))
                        + ",\"bytes\":" + part.bytes() + ",\"sha256\":\"" + part.sha256() + "\"}");
            }
            String json = "{\"bytes\":" + counted.count() + ",\"sha256\":\"" + HexFormat.of().formatHex(whole.digest())
                    + "\",\"parts\":" + partsJson + "}";
            exchange.respond(200, Map.of("Content-Type", Behavior.JSON), json.getBytes(StandardCharsets.UTF_8));
        }

        private static @Nullable String boundary(String contentType) {
            if (!contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
                return null;
            }
            for (String parameter : contentType.split(";")) {
                String trimmed = parameter.trim();
                if (trimmed.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                    String value = trimmed.substring("boundary=".length());
                    return value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2
                            ? value.substring(1, value.length() - 1) : value;
                }
            }
            return null;
        }
    }

    enum Echo implements Behavior {
        INSTANCE;

        @Override
        public void respond(Exchange exchange) throws IOException {
            RecordedRequest request = exchange.request();
            StringJoiner headers = new StringJoiner(",", "{", "}");
            request.headers().forEach((name, values) -> {
                StringJoiner list = new StringJoiner(",", "[", "]");
                values.forEach(value -> list.add(Http1.jsonString(value)));
                headers.add(Http1.jsonString(name) + ":" + list);
            });
            String json = "{\"method\":" + Http1.jsonString(request.method())
                    + ",\"path\":" + Http1.jsonString(request.path())
                    + ",\"query\":" + Http1.jsonString(request.query())
                    + ",\"headers\":" + headers
                    + ",\"body\":" + Http1.jsonString(exchange.bodyText()) + "}";
            exchange.respond(200, Map.of("Content-Type", Behavior.JSON), json.getBytes(StandardCharsets.UTF_8));
        }
    }

    static final class Sequence implements Behavior {
        private final List<Behavior> behaviors;
        private final AtomicInteger next = new AtomicInteger();

        Sequence(List<Behavior> behaviors) {
            if (behaviors.isEmpty()) {
                throw new IllegalArgumentException("sequence needs at least one behavior");
            }
            this.behaviors = List.copyOf(behaviors);
        }

        @Override
        public Behavior select(RecordedRequest head) {
            int index = next.getAndUpdate(n -> Math.min(n + 1, behaviors.size() - 1));
            return behaviors.get(index).select(head);
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            select(exchange.request()).respond(exchange);
        }

        @Override
        public String toString() {
            return "Sequence" + behaviors;
        }
    }

    static final class Faults implements Behavior {
        private final long seed;
        private final double rate;
        private final Behavior normal;
        private final List<Behavior> faults;
        private final Random random;

        Faults(long seed, double rate, Behavior normal, List<Behavior> faults) {
            if (!(rate >= 0 && rate <= 1)) {
                throw new IllegalArgumentException("rate must be within 0..1, was " + rate);
            }
            if (faults.isEmpty()) {
                throw new IllegalArgumentException("faults needs at least one fault behavior");
            }
            this.seed = seed;
            this.rate = rate;
            this.normal = Objects.requireNonNull(normal, "normal");
            this.faults = List.copyOf(faults);
            this.random = new Random(seed);
        }

        @Override
        public Behavior select(RecordedRequest head) {
            Behavior chosen;
            synchronized (random) {
                chosen = random.nextDouble() < rate ? faults.get(random.nextInt(faults.size())) : normal;
            }
            return chosen.select(head);
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            select(exchange.request()).respond(exchange);
        }

        @Override
        public String toString() {
            return "Faults[seed=" + seed + ", rate=" + rate + ", normal=" + normal + ", faults=" + faults + "]";
        }
    }

    record Etag(String etag, String body, String cacheControl) implements Behavior {
        Etag {
            Objects.requireNonNull(etag, "etag");
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(cacheControl, "cacheControl");
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("ETag", etag);
            if (!cacheControl.isEmpty()) {
                headers.put("Cache-Control", cacheControl);
            }
            List<String> ifNoneMatch = exchange.request().headers().getOrDefault("If-None-Match", List.of());
            if (matches(ifNoneMatch)) {
                exchange.respond(304, headers, new byte[0]);
                return;
            }
            headers.put("Content-Type", Behavior.JSON);
            exchange.respond(200, headers, body.getBytes(StandardCharsets.UTF_8));
        }

        private boolean matches(List<String> ifNoneMatch) {
            String opaque = weakless(etag);
            for (String header : ifNoneMatch) {
                for (String candidate : header.split(",")) {
                    String tag = candidate.trim();
                    if (tag.equals("*") || weakless(tag).equals(opaque)) {
                        return true;
                    }
                }
            }
            return false;
        }

        private static String weakless(String tag) {
            return tag.startsWith("W/") ? tag.substring(2) : tag;
        }
    }

    record WithHeaders(Map<String, String> headers, Behavior behavior) implements Behavior {
        WithHeaders {
            headers = Map.copyOf(headers);
            Objects.requireNonNull(behavior, "behavior");
        }

        @Override
        public void respond(Exchange exchange) throws IOException {
            exchange.addHeaders(headers);
            behavior.respond(exchange);
        }
    }

    /** A streaming multipart/form-data reader that hashes each part's content without buffering it. */
    static final class Multipart {

        record Part(String name, @Nullable String filename, long bytes, String sha256) {
        }

        private final InputStream in;
        private final byte[] delimiter;
        private final byte[] buffer = new byte[128 * 1024];
        private int start;
        private int end;
        private boolean eof;

        private Multipart(InputStream in, String boundary) {
            this.in = in;
            this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
            // the body starts with "--boundary"; a virtual CRLF in front makes the first delimiter look like the rest
            buffer[0] = '\r';
            buffer[1] = '\n';
            end = 2;
        }

        static List<Part> parse(InputStream in, String boundary) throws IOException {
            return new Multipart(in, boundary).parts();
        }

        private List<Part> parts() throws IOException {
            List<Part> parts = new ArrayList<>();
            if (!skipTo(null)) {
                return parts; // no delimiter at all
            }
            while (true) {
                if (!ensure(2)) {
                    return parts;
                }
                if (buffer[start] == '-' && buffer[start + 1] == '-') {
                    return parts; // close delimiter
                }
                readLine(); // rest of the delimiter line (transport padding)
                String name = "";
                String filename = null;
                String line;
                while (!(line = readLine()).isEmpty()) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                        name = Objects.requireNonNullElse(parameter(line, "name"), "");
                        filename = parameter(line, "filename");
                    }
                }
                MessageDigest digest = BigBody.sha256();
                long[] size = {0};
                boolean found = skipTo((bytes, offset, length) -> {
                    digest.update(bytes, offset, length);
                    size[0] += length;
                });
                parts.add(new Part(name, filename, size[0], HexFormat.of().formatHex(digest.digest())));
                if (!found) {
                    return parts; // truncated body: keep what was seen
                }
            }
        }

        private interface Content {
            void accept(byte[] bytes, int offset, int length);
        }

        /** Consumes up to and including the next delimiter, handing the bytes before it to {@code content}. */
        private boolean skipTo(@Nullable Content content) throws IOException {
            while (true) {
                int match = indexOfDelimiter();
                if (match >= 0) {
                    if (content != null) {
                        content.accept(buffer, start, match - start);
                    }
                    start = match + delimiter.length;
                    return true;
                }
                int safeEnd = Math.max(start, end - (delimiter.length - 1));
                if (content != null) {
                    content.accept(buffer, start, safeEnd - start);
                }
                start = safeEnd;
                if (eof) {
                    return false;
                }
                fill();
            }
        }

        private int indexOfDelimiter() {
            int last = end - delimiter.length;
            outer:
            for (int i = start; i <= last; i++) {
                if (buffer[i] != '\r') {
                    continue;
                }
                for (int j = 1; j < delimiter.length; j++) {
                    if (buffer[i + j] != delimiter[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        private boolean ensure(int count) throws IOException {
            while (end - start < count && !eof) {
                fill();
            }
            return end - start >= count;
        }

        private String readLine() throws IOException {
            while (true) {
                for (int i = start; i < end; i++) {
                    if (buffer[i] == '\n') {
                        int lineEnd = i > start && buffer[i - 1] == '\r' ? i - 1 : i;
                        String line = new String(buffer, start, lineEnd - start, StandardCharsets.UTF_8);
                        start = i + 1;
                        return line;
                    }
                }
                if (eof || end - start == buffer.length) {
                    throw new IOException("malformed multipart headers");
                }
                fill();
            }
        }

        /** Compacts the buffer and reads more; sets {@code eof} at end of stream. */
        private void fill() throws IOException {
            if (start > 0) {
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            int read = in.read(buffer, end, buffer.length - end);
            if (read < 0) {
                eof = true;
            } else {
                end += read;
            }
        }

        private static @Nullable String parameter(String header, String name) {
            for (String parameter : header.split(";")) {
                String trimmed = parameter.trim();
                int equals = trimmed.indexOf('=');
                if (equals > 0 && trimmed.substring(0, equals).trim().equalsIgnoreCase(name)) {
                    String value = trimmed.substring(equals + 1).trim();
                    return value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2
                            ? value.substring(1, value.length() - 1) : value;
                }
            }
            return null;
        }
    }
}
