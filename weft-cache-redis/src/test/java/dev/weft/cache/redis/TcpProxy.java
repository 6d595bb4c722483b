package dev.weft.cache.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A loopback TCP proxy in front of a Redis, on virtual threads, that can hold one reply on its way back to the
 * client, or one request on its way to the server, until the test releases it. That makes a reply arrive after
 * something else happened, or a command reach Redis only after its caller timed out, without sleeping: the way to
 * replay a race deterministically. A held chunk also holds everything behind it on that connection.
 */
final class TcpProxy implements AutoCloseable {
    /** One held reply: the n-th chunk from the server after {@link #holdReply(int)}. */
    static final class Hold {
        private final int nth;
        /** For a request hold: the bytes the held request contains; {@code null} for a reply hold. */
        private final byte @Nullable [] marker;
        private final AtomicInteger seen = new AtomicInteger();
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Hold(int nth, byte @Nullable [] marker) {
            this.nth = nth;
            this.marker = marker;
        }

        /** @return whether the reply reached the proxy (so the server has run the command) within the time */
        boolean awaitHeld(Duration timeout) throws InterruptedException {
            return held.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Lets the held reply go on to the client. */
        void release() {
            released.countDown();
        }
    }

    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile @Nullable Hold hold;

    private TcpProxy(int targetPort) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        Thread.ofVirtual().name("proxy-accept").start(this::accept);
    }

    /**
     * @param targetPort the Redis port to forward to
     * @return a running proxy
     */
    static TcpProxy to(int targetPort) {
        try {
            return new TcpProxy(targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "redis://127.0.0.1:" + server.getLocalPort() + "/0";
    }

    /**
     * Holds the n-th chunk the server sends (over any connection) from now on, until released. One-shot.
     *
     * @param nth 1 for the next reply
     * @return the hold
     */
    Hold holdReply(int nth) {
        Hold armed = new Hold(nth, null);
        hold = armed;
        return armed;
    }

    /**
     * Holds the next chunk a client sends (over any connection) that contains {@code marker}, e.g. {@code EVALSHA},
     * until released: Redis has not seen that command, nor any sent after it on that connection. One-shot.
     *
     * @param marker text the held request contains
     * @return the hold
     */
    Hold holdRequestContaining(String marker) {
        Hold armed = new Hold(1, marker.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        hold = armed;
        return armed;
    }

    private static boolean contains(byte[] buffer, int length, byte[] marker) {
        for (int start = 0; start + marker.length <= length; start++) {
            if (java.util.Arrays.equals(buffer, start, start + marker.length, marker, 0, marker.length)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Hold armed, boolean fromServer, byte[] buffer, int read) {
        byte[] marker = armed.marker;
        return marker == null ? fromServer && armed.seen.incrementAndGet() == armed.nth
                : !fromServer && contains(buffer, read, marker);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream, false));
                Thread.ofVirtual().start(() -> pump(upstream, client, true));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean fromServer) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                Hold armed = hold;
                if (armed != null && matches(armed, fromServer, buffer, read)) {
                    hold = null;
                    armed.held.countDown();
                    armed.released.await(30, TimeUnit.SECONDS);
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed: close the other
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        Hold armed = hold;
        if (armed != null) {
            armed.release();
        }
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        sockets.forEach(TcpProxy::closeQuietly);
    }
}
