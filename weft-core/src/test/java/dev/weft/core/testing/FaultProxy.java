package dev.weft.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A loopback TCP proxy in front of a server (a database, an HTTP peer), on virtual threads, that can play a server
 * crash without touching the (shared) server: {@link #down()} resets every connection and resets new ones at once,
 * {@link #up()} forwards again. {@link #cutAfterClientWriteContaining} forwards a client's write to the server, then
 * drops the reply and resets the client: a connection lost while the server runs (and may commit) the statement.
 * {@link #slowConnects} delays new connections: a slow server, not a dead one. {@link #blackhole()} swallows
 * everything both ways and answers nothing: a hung peer or a lost route.
 *
 * <p>Other modules' tests (weft-db's, and weft-faults' between the service and its PostgreSQL or provider) use it
 * through weft-core's test-jar. Thread-safe: a test switches faults while traffic flows.
 */
public final class FaultProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean down;
    private volatile boolean blackhole;
    private final java.util.concurrent.atomic.AtomicReference<byte[]> cutMarker =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean closed;
    private volatile long connectDelayMillis;

    private FaultProxy(ServerSocket server, int targetPort) {
        this.server = server;
        this.targetPort = targetPort;
        Thread.ofVirtual().name("fault-proxy-accept").start(this::accept);
    }

    /**
     * @param listenPort the loopback port to listen on
     * @param targetPort the server's loopback port
     * @return a running proxy in pass mode
     */
    public static FaultProxy listen(int listenPort, int targetPort) {
        try {
            return new FaultProxy(new ServerSocket(listenPort, 200, InetAddress.getLoopbackAddress()), targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param targetPort the server's loopback port
     * @return a running proxy in pass mode, on a free loopback port
     */
    public static FaultProxy to(int targetPort) {
        return listen(0, targetPort);
    }

    /** @return the port clients connect to */
    public int port() {
        return server.getLocalPort();
    }

    /** Plays a crash: resets every open connection; new ones are reset as soon as they are accepted. */
    public void down() {
        down = true;
        for (Socket socket : sockets) {
            reset(socket);
        }
        sockets.clear();
    }

    /** Forwards again: new connections after {@link #down()}, and what open ones send after {@link #blackhole()}. */
    public void up() {
        down = false;
        blackhole = false;
    }

    /**
     * Accepts connections (again, if {@link #down()}), reads and drops everything both ways and answers nothing, until
     * {@link #up()}.
     */
    public void blackhole() {
        blackhole = true;
        down = false;
    }

    /** @param delay how long each new connection waits before it reaches the server (a slow, loaded server) */
    public void slowConnects(java.time.Duration delay) {
        connectDelayMillis = delay.toMillis();
    }

    /**
     * The next chunk a client sends that contains {@code marker} (e.g. {@code COMMIT}, or a table name) reaches the
     * server, its reply never reaches the client, which is reset.
     *
     * @param marker ASCII text the chunk contains
     */
    public void cutAfterClientWriteContaining(String marker) {
        cutMarker.set(marker.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (down) {
                reset(client);
                continue;
            }
            Thread.ofVirtual().start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        try {
            long delay = connectDelayMillis;
            if (delay > 0) {
                Thread.sleep(delay);
            }
            Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            sockets.add(client);
            sockets.add(upstream);
            AtomicBoolean cut = new AtomicBoolean();
            Thread.ofVirtual().start(() -> pump(client, upstream, client, cut, true));
            Thread.ofVirtual().start(() -> pump(upstream, client, client, cut, false));
        } catch (IOException | InterruptedException e) {
            reset(client);
        }
    }

    private void pump(Socket from, Socket to, Socket client, AtomicBoolean cut, boolean fromClient) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (down) {
                    break; // a connection that slipped in while going down
                }
                if (blackhole) {
                    continue; // swallowed
                }
                if (!fromClient && cut.get()) {
                    continue; // the reply to a cut write never arrives
                }
                byte[] marker = fromClient ? cutMarker.get() : null;
                if (marker != null && contains(buffer, read, marker) && cutMarker.compareAndSet(marker, null)) {
                    cut.set(true); // before forwarding, so that no part of the reply slips through
                    out.write(buffer, 0, read);
                    out.flush();
                    Thread.sleep(300); // let the server run it; its reply is dropped meanwhile
                    reset(client);
                    return;
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // a side went away: close both below
        } finally {
            reset(from);
            reset(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private static boolean contains(byte[] buffer, int length, byte[] marker) {
        outer:
        for (int i = 0; i + marker.length <= length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (buffer[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        down();
    }
}
