package dev.weft.service.http;

import dev.weft.service.Json;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The header timeout ({@code WEFT_HEADER_TIMEOUT}): a connection that has not sent a whole request head (the request
 * line and every header) within the timeout gets {@code 408 request_timeout} with {@code Connection: close}, and the
 * connection ends. The clock starts when the connection is accepted (its first request) or when a later request's
 * line has been read (a keep-alive connection's next request; waiting for that line is Helidon's idle-connection
 * timeout, 5 minutes, left longer than load balancers' own idle timeouts). A slowloris client, one that sends a header line every few
 * seconds, so is never idle, is therefore cut off after the timeout whatever it sends.
 *
 * <p>Why not Helidon's own means: its socket read timeout does not reach its NIO channel reads; its idle-connection
 * check skips a connection until a selector has taken it (one that has sent nothing, or half a request line, is not
 * listed at all) and interrupts only a connection that waits for a request line, never one in its headers. So the
 * deadline is kept here: {@link #socketOptions} sees each accepted channel (Helidon configures every accepted socket
 * through its listener's {@link SocketOptions}), {@link #listener} hears from Helidon's HTTP/1 connection when a
 * request line and a head have been read, and one sweeper thread closes the channels that are late. The two ends meet
 * by the connection's addresses.
 *
 * <p>Thread-safe. The sweeper only reads a clock and flags; the answer is written, and the connection shut, on a
 * virtual thread, so a client that does not read cannot block it.
 */
final class HeadDeadlines implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeadDeadlines.class);
    /** The longest between two sweeps: a late connection ends at most this long after its deadline. */
    private static final Duration MAX_SWEEP_PERIOD = Duration.ofSeconds(1);
    /** How long a timed-out connection may take to end after its answer before its channel is closed outright. */
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A watch's deadline while its connection is not reading a request head. */
    private static final long NOT_ARMED = Long.MAX_VALUE;
    /** A watch's deadline once it has run out and its connection is being ended. */
    private static final long FIRED = Long.MIN_VALUE;
    static final String DETAIL = "the request's line and headers did not arrive in time";

    private final Duration timeout;
    private final byte[] body;
    private final Map<Peers, Watch> watches = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor sweeper;

    /**
     * @param timeout how long a request head may take
     * @param json the mapper for the problem body
     */
    HeadDeadlines(Duration timeout, Json json) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.body = json.write(ProblemErrorHandler.body(408, "request_timeout", DETAIL, "/", List.of()));
        // one platform thread per server that never blocks: it compares deadlines and starts virtual threads
        this.sweeper = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "weft-header-timeout");
            thread.setDaemon(true);
            return thread;
        });
        long period = sweepPeriod(timeout).toNanos();
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    /** @return how often to look for late connections: a quarter of the timeout, at most a second */
    static Duration sweepPeriod(Duration timeout) {
        Duration quarter = timeout.dividedBy(4);
        return quarter.compareTo(MAX_SWEEP_PERIOD) > 0 ? MAX_SWEEP_PERIOD
                : quarter.compareTo(Duration.ofMillis(10)) < 0 ? Duration.ofMillis(10) : quarter;
    }

    /**
     * @param delegate the socket options every accepted connection gets
     * @return the same options, which also start each accepted connection's deadline
     */
    SocketOptions socketOptions(SocketOptions delegate) {
        return new Accepting(Objects.requireNonNull(delegate, "delegate"));
    }

    /** @return the HTTP/1 receive listener that stops a deadline when a head is read and starts the next */
    Http1ConnectionListener listener() {
        return new Heads();
    }

    /** @return the connections being watched (test use) */
    int watched() {
        return watches.size();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        watches.clear();
    }

    private void accepted(SocketChannel channel) {
        try {
            Peers peers = new Peers(channel.getRemoteAddress(), channel.getLocalAddress());
            watches.put(peers, new Watch(channel, System.nanoTime() + timeout.toNanos()));
        } catch (IOException | RuntimeException e) {
            // the client is gone already (or the channel closed): Helidon ends the connection on its first read
            LOG.atDebug().setMessage("accepted connection not watched").addKeyValue("error.message", e.toString())
                    .log();
        }
    }

    private @Nullable Watch watch(ConnectionContext context) {
        return watches.get(new Peers(context.remotePeer().address(), context.localPeer().address()));
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Map.Entry<Peers, Watch> entry : watches.entrySet()) {
            Watch watch = entry.getValue();
            if (!watch.channel.isOpen()) {
                watches.remove(entry.getKey(), watch);
                continue;
            }
            long deadline = watch.deadline.get();
            if (deadline == FIRED) {
                if (now - watch.firedAt > CLOSE_GRACE_NANOS) {
                    watches.remove(entry.getKey(), watch);
                    Thread.ofVirtual().name("weft-header-timeout-close").start(() -> closeQuietly(watch.channel));
                }
            } else if (deadline != NOT_ARMED && now - deadline >= 0 && watch.deadline.compareAndSet(deadline, FIRED)) {
                watch.firedAt = now;
                Thread.ofVirtual().name("weft-header-timeout-answer").start(() -> timeOut(watch.channel));
            }
        }
    }

    /**
     * Answers 408 and shuts the connection both ways: the client reads the answer and then the end of the stream;
     * Helidon's reader, blocked in the head, reads the end of the stream, ends the connection as one its client closed
     * (quietly) and closes the channel. The sweeper closes it outright if that has not happened a second later.
     */
    private void timeOut(SocketChannel channel) {
        LOG.atDebug().setMessage("request head not complete in time: connection closed")
                .addKeyValue("timeout_ms", timeout.toMillis()).log();
        try {
            String head = "HTTP/1.1 408 Request Timeout\r\n"
                    + "Content-Type: application/problem+json\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + RequestIdFilter.REQUEST_ID_HEADER.defaultCase() + ": " + RequestIdFilter.newRequestId() + "\r\n"
                    + "Connection: close\r\n\r\n";
            byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer buffer = ByteBuffer.allocate(headBytes.length + body.length).put(headBytes).put(body).flip();
            while (buffer.hasRemaining() && channel.write(buffer) >= 0) {
                // a few hundred bytes into an idle connection's send buffer: one write
            }
            channel.shutdownOutput();
            channel.shutdownInput();
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel); // the client went away meanwhile
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a connection whose client is gone: nothing to tell anyone
        }
    }

    /** A connection by its two ends, as the channel and Helidon's connection context both know it. */
    private record Peers(SocketAddress remote, SocketAddress local) {
    }

    /** One connection's deadline: {@link #NOT_ARMED}, a {@link System#nanoTime()}, or {@link #FIRED}. */
    private static final class Watch {
        private final SocketChannel channel;
        private final AtomicLong deadline;
        private volatile long firedAt;

        Watch(SocketChannel channel, long deadline) {
            this.channel = channel;
            this.deadline = new AtomicLong(deadline);
        }
    }

    /** Stops a deadline when a head is complete, starts one when a keep-alive connection's next line is read. */
    private final class Heads implements Http1ConnectionListener {
        @Override
        public void prologue(ConnectionContext context, HttpPrologue prologue) {
            Watch watch = watch(context);
            if (watch != null) {
                // the first request's deadline runs from the accept; a later one's from its request line
                watch.deadline.compareAndSet(NOT_ARMED, System.nanoTime() + timeout.toNanos());
            }
        }

        @Override
        public void headers(ConnectionContext context, Headers headers) {
            Watch watch = watch(context);
            if (watch != null) {
                long deadline = watch.deadline.get();
                if (deadline != FIRED) {
                    // lost only to the sweeper, which is ending the connection anyway
                    watch.deadline.compareAndSet(deadline, NOT_ARMED);
                }
            }
        }
    }

    /** Helidon's socket options for accepted connections, which also start each one's deadline. */
    private final class Accepting implements SocketOptions {
        private final SocketOptions delegate;

        Accepting(SocketOptions delegate) {
            this.delegate = delegate;
        }

        @Override
        public void configureSocket(Socket socket) {
            delegate.configureSocket(socket);
        }

        @Override
        public void configureSocket(SocketChannel channel) {
            delegate.configureSocket(channel);
            accepted(channel); // on Helidon's accept thread: a map entry, nothing that blocks
        }

        @Override
        public Map<SocketOption<?>, Object> socketOptions() {
            return delegate.socketOptions();
        }

        @Override
        public Duration connectTimeout() {
            return delegate.connectTimeout();
        }

        @Override
        public Duration readTimeout() {
            return delegate.readTimeout();
        }

        @Override
        public Optional<Integer> socketReceiveBufferSize() {
            return delegate.socketReceiveBufferSize();
        }

        @Override
        public Optional<Integer> socketSendBufferSize() {
            return delegate.socketSendBufferSize();
        }

        @Override
        public boolean socketReuseAddress() {
            return delegate.socketReuseAddress();
        }

        @Override
        public boolean socketKeepAlive() {
            return delegate.socketKeepAlive();
        }

        @Override
        public boolean tcpNoDelay() {
            return delegate.tcpNoDelay();
        }
    }
}
