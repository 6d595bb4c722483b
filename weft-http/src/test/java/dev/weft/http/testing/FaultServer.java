package dev.weft.http.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A fault-injecting HTTP/1.1 server on loopback for weft-http's tests and benchmarks. Built on a raw
 * {@link ServerSocket} with one virtual thread per connection, so it can do what the JDK's HttpServer cannot:
 * reset connections (RST), trickle bodies, stream 1 GiB bodies both ways in constant memory.
 *
 * <p>It speaks enough HTTP/1.1 for real clients: persistent connections (many requests per connection,
 * pipelining tolerated), request bodies with Content-Length or {@code Transfer-Encoding: chunked},
 * {@code Expect: 100-continue} (answered with 100 at once), HEAD. Requests are routed by method and path to a
 * {@link Behavior}; a path pattern is exact ({@code /items}) or a prefix ({@code /items/*}); method {@code *}
 * matches any method; the exact match wins, then the longest prefix. Unmatched requests get a 404 JSON body.
 *
 * {@snippet :
 * try (FaultServer server = FaultServer.start()) {
 *     server.route("GET", "/items/*", Behavior.sequence(Behavior.status(503), Behavior.json(200, "{}")));
 *     // ... call server.baseUri().resolve("/items/1") twice ...
 *     assertThat(server.requests("GET", "/items/*")).isEqualTo(2);
 * }
 * }
 *
 * <p>It records what it received: totals, per route, per {@code Idempotency-Key} value, connections
 * accepted, requests reset before they counted ({@link #notReceived()}), and the last
 * {@link #DEFAULT_RECORD_LIMIT} requests ({@link #recorded()}). A request counts as received once its head
 * is read and its behavior chosen, before its body is read.
 *
 * <p>Thread-safe: routes and counters may be changed and read while requests are served.
 */
public final class FaultServer implements AutoCloseable {

    /** How many requests {@link #recorded()} keeps by default (the most recent ones). */
    public static final int DEFAULT_RECORD_LIMIT = 1_000;

    private static final int BUFFER_SIZE = 16 * 1024;
    private static final System.Logger LOG = System.getLogger(FaultServer.class.getName());

    private record Route(String method, String pattern, Behavior behavior) {
        boolean prefix() {
            return pattern.endsWith("/*");
        }

        String key() {
            return method + " " + pattern;
        }

        boolean matches(String requestMethod, String path) {
            if (!method.equals("*") && !method.equals(requestMethod)) {
                return false;
            }
            if (!prefix()) {
                return pattern.equals(path);
            }
            String base = pattern.substring(0, pattern.length() - 1); // "/x/*" -> "/x/"
            return path.startsWith(base) || path.equals(base.substring(0, base.length() - 1));
        }
    }

    private final ServerSocket serverSocket;
    private final int recordLimit;
    private final Thread acceptor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Map<String, Route> exactRoutes = new ConcurrentHashMap<>();
    private final List<Route> prefixRoutes = new CopyOnWriteArrayList<>();
    private final AtomicInteger resetsOnAccept = new AtomicInteger();

    private final LongAdder totalRequests = new LongAdder();
    private final LongAdder acceptedConnections = new LongAdder();
    private final LongAdder notReceivedRequests = new LongAdder();
    private final Map<String, AtomicLong> routeCounts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> idempotencyCounts = new ConcurrentHashMap<>();
    private final ArrayDeque<RecordedRequest> recordedRequests = new ArrayDeque<>();

    private FaultServer(ServerSocket serverSocket, int recordLimit) {
        this.serverSocket = serverSocket;
        this.recordLimit = recordLimit;
        this.acceptor = Thread.ofVirtual().name("fault-server-accept-" + serverSocket.getLocalPort()).unstarted(this::acceptLoop);
    }

    /**
     * Starts a server on 127.0.0.1 on a free port, keeping the last {@value #DEFAULT_RECORD_LIMIT} requests.
     *
     * @return the running server; the caller closes it
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static FaultServer start() {
        return start(DEFAULT_RECORD_LIMIT);
    }

    /**
     * Starts a server on 127.0.0.1 on a free port.
     *
     * @param recordLimit how many recent requests {@link #recorded()} keeps; 0 records none (for benchmarks,
     *     counters still work)
     * @return the running server; the caller closes it
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static FaultServer start(int recordLimit) {
        if (recordLimit < 0) {
            throw new IllegalArgumentException("recordLimit must be >= 0, was " + recordLimit);
        }
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            FaultServer server = new FaultServer(socket, recordLimit);
            server.acceptor.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("fault server: cannot bind 127.0.0.1:0", e);
        }
    }

    /**
     * The server's base URI, {@code http://127.0.0.1:PORT}, without a trailing slash.
     *
     * @return the base URI
     */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /**
     * The bound port.
     *
     * @return the port
     */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /**
     * Routes requests to a behavior, replacing an earlier route with the same method and pattern.
     *
     * @param method an HTTP method ({@code GET}) or {@code *} for any
     * @param pattern an exact path ({@code /items}) or a prefix ending in {@code /*} ({@code /items/*}, which
     *     also matches {@code /items}); {@code /*} matches every path
     * @param behavior what to answer
     * @return this server, for chaining
     */
    public FaultServer route(String method, String pattern, Behavior behavior) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(behavior, "behavior");
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("pattern must start with '/', was '" + pattern + "'");
        }
        Route route = new Route(method, pattern, behavior);
        if (route.prefix()) {
            synchronized (prefixRoutes) {
                prefixRoutes.removeIf(existing -> existing.key().equals(route.key()));
                prefixRoutes.add(route);
                prefixRoutes.sort(Comparator.comparingInt((Route r) -> r.pattern().length()).reversed()
                        .thenComparing(r -> r.method().equals("*")));
            }
        } else {
            exactRoutes.put(route.key(), route);
        }
        return this;
    }

    /**
     * Resets the next {@code count} accepted connections right after accept, before a byte of them is read.
     * Each counts as one {@link #notReceived()} request (a client sent at most one request on it).
     *
     * @param count how many connections, {@code >= 0}; replaces an earlier pending count
     */
    public void resetNextConnections(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        resetsOnAccept.set(count);
    }

    /**
     * Requests received (counted when the head was read and the behavior chosen), all routes and unmatched.
     *
     * @return the count since start or {@link #resetCounters()}
     */
    public long requests() {
        return totalRequests.sum();
    }

    /**
     * Requests received by one route.
     *
     * @param method the route's method as registered (or {@code *})
     * @param pattern the route's pattern as registered
     * @return the count, 0 for an unknown route
     */
    public long requests(String method, String pattern) {
        AtomicLong count = routeCounts.get(method + " " + pattern);
        return count == null ? 0 : count.get();
    }

    /**
     * Requests received carrying an {@code Idempotency-Key} header with this value.
     *
     * @param key the header value
     * @return the count, 0 when never seen
     */
    public long requestsWithIdempotencyKey(String key) {
        AtomicLong count = idempotencyCounts.get(key);
        return count == null ? 0 : count.get();
    }

    /**
     * Every {@code Idempotency-Key} value received, with how many requests carried it.
     *
     * @return a snapshot, sorted by key
     */
    public Map<String, Long> idempotencyKeys() {
        Map<String, Long> snapshot = new TreeMap<>();
        idempotencyCounts.forEach((key, count) -> snapshot.put(key, count.get()));
        return snapshot;
    }

    /**
     * Connections accepted (including those reset on accept).
     *
     * @return the count
     */
    public long connections() {
        return acceptedConnections.sum();
    }

    /**
     * Requests reset before they reached the server logic: by {@link Behavior#resetBeforeRequest()} or
     * {@link #resetNextConnections(int)}. They are not in {@link #requests()}.
     *
     * @return the count
     */
    public long notReceived() {
        return notReceivedRequests.sum();
    }

    /**
     * The most recent received requests whose exchange ended (answered, reset, or failed), oldest first, each
     * with the body bytes read. A request still being served is already in the counters but not yet here.
     *
     * @return a snapshot
     */
    public List<RecordedRequest> recorded() {
        synchronized (recordedRequests) {
            return List.copyOf(recordedRequests);
        }
    }

    /** Sets every counter to zero and forgets the recorded requests. Routes stay. */
    public void resetCounters() {
        totalRequests.reset();
        acceptedConnections.reset();
        notReceivedRequests.reset();
        routeCounts.clear();
        idempotencyCounts.clear();
        synchronized (recordedRequests) {
            recordedRequests.clear();
        }
    }

    /**
     * Stops accepting and closes every open connection. In-flight exchanges fail at their next read or write
     * (a sleeping {@link Behavior#delay} finishes its sleep first). Idempotent; blocks up to about a second
     * for the accept thread to end.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            serverSocket.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "fault server: closing the listener failed", e);
        }
        for (Socket socket : connections) {
            closeQuietly(socket);
        }
        try {
            acceptor.join(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FaultServer[" + baseUri() + ", requests=" + requests() + ", connections=" + connections() + "]";
    }

    private void acceptLoop() {
        while (!closed.get()) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.log(System.Logger.Level.WARNING, "fault server: accept failed", e);
                }
                return;
            }
            acceptedConnections.increment();
            if (resetsOnAccept.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                notReceivedRequests.increment();
                resetSocket(socket);
                continue;
            }
            connections.add(socket);
            if (closed.get()) {
                closeQuietly(socket); // close() may have missed it
            }
            Thread.ofVirtual().name("fault-server-conn-" + socket.getPort()).start(() -> serve(socket));
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), BUFFER_SIZE);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), BUFFER_SIZE);
            while (!closed.get()) {
                Http1.Head head;
                try {
                    head = Http1.readHead(in);
                } catch (Http1.BadRequestException e) {
                    writeSimple(out, 400, "{\"error\":" + Http1.jsonString(e.getMessage()) + "}");
                    return;
                }
                if (head == null) {
                    return;
                }
                boolean keepOpen = exchange(head, in, out, socket);
                if (!keepOpen) {
                    out.flush();
                    return;
                }
                if (in.available() == 0) {
                    out.flush(); // with pipelined requests waiting, their answers go out in one write
                }
            }
        } catch (Exchange.ResetException e) {
            // the behavior reset the connection on purpose
        } catch (IOException e) {
            // the client went away or the server closed: normal for a fault server
        } finally {
            connections.remove(socket);
        }
    }

    /** Serves one request; returns whether the connection stays open. */
    private boolean exchange(Http1.Head head, InputStream in, OutputStream out, Socket socket) throws IOException {
        RecordedRequest request = head.request();
        @Nullable Route route = match(request.method(), request.path());
        Behavior behavior = route == null ? FaultServer::notFound : route.behavior().select(request);
        if (behavior == Behaviors.ResetBeforeRequest.INSTANCE) {
            notReceivedRequests.increment();
            resetSocket(socket);
            return false;
        }
        count(request, route);

        InputStream body = head.chunked() ? new Http1.ChunkedInputStream(in)
                : head.contentLength() > 0 ? new Http1.FixedLengthInputStream(in, head.contentLength())
                : InputStream.nullInputStream();
        if (head.expectContinue() && head.hasBody()) {
            out.write(Http1.CONTINUE);
            out.flush();
        }
        Exchange exchange = new Exchange(head, body, out, socket, this::record);
        try {
            behavior.respond(exchange);
            if (!exchange.responded()) {
                exchange.closeAfterResponse();
                exchange.respond(500, Map.of("Content-Type", Behavior.JSON),
                        "{\"error\":\"the behavior sent no response\"}".getBytes(StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            if (e instanceof Exchange.ResetException) {
                throw e;
            }
            LOG.log(System.Logger.Level.WARNING, "fault server: behavior failed for " + request.method() + " "
                    + request.path(), e);
            if (exchange.responded()) {
                return false; // half a response went out: the connection cannot be reused
            }
            exchange.closeAfterResponse();
            exchange.respond(500, Map.of("Content-Type", Behavior.JSON),
                    ("{\"error\":" + Http1.jsonString(String.valueOf(e)) + "}").getBytes(StandardCharsets.UTF_8));
        } finally {
            exchange.record(); // when the behavior failed before answering
        }
        return !exchange.closeAfter();
    }

    private @Nullable Route match(String method, String path) {
        Route exact = exactRoutes.get(method + " " + path);
        if (exact == null) {
            exact = exactRoutes.get("* " + path);
        }
        if (exact != null) {
            return exact;
        }
        for (Route route : prefixRoutes) {
            if (route.matches(method, path)) {
                return route;
            }
        }
        return null;
    }

    private void count(RecordedRequest request, @Nullable Route route) {
        totalRequests.increment();
        if (route != null) {
            routeCounts.computeIfAbsent(route.key(), unused -> new AtomicLong()).incrementAndGet();
        }
        request.header("Idempotency-Key").ifPresent(key ->
                idempotencyCounts.computeIfAbsent(key, unused -> new AtomicLong()).incrementAndGet());
    }

    private void record(RecordedRequest request) {
        if (recordLimit == 0) {
            return;
        }
        synchronized (recordedRequests) {
            if (recordedRequests.size() == recordLimit) {
                recordedRequests.removeFirst();
            }
            recordedRequests.addLast(request);
        }
    }

    private static void notFound(Exchange exchange) throws IOException {
        RecordedRequest request = exchange.request();
        String json = "{\"error\":\"no route\",\"method\":" + Http1.jsonString(request.method())
                + ",\"path\":" + Http1.jsonString(request.path()) + "}";
        exchange.respond(404, Map.of("Content-Type", Behavior.JSON), json.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeSimple(OutputStream out, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " " + Http1.reason(status) + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    /** Closes with SO_LINGER 0: the kernel drops unsent data and sends RST, the peer sees "connection reset". */
    static void resetSocket(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed: nothing to reset
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is best effort here
        }
    }
}
