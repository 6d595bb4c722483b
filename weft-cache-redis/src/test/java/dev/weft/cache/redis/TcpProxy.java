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

/**
 * A loopback TCP proxy in front of a Redis, on virtual threads, that can hold one reply on its way back to the
 * client until the test releases it. That makes a reply arrive after something else happened, without sleeping:
 * the way to replay a race deterministically.
 */
final class TcpProxy implements AutoCloseable {
    /** One held reply: the n-th chunk from the server after {@link #holdReply(int)}. */
    static final class Hold {
        private final int nth;
        private final AtomicInteger seen = new AtomicInteger();
        private final CountDownLatch held = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        private Hold(int nth) {
            this.nth = nth;
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
    private volatile Hold hold;

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
        Hold armed = new Hold(nth);
        hold = armed;
        return armed;
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
                if (fromServer && armed != null && armed.seen.incrementAndGet() == armed.nth) {
                    hold = null;
                    armed.held.countDown();
                    armed.released.await(10, TimeUnit.SECONDS);
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
