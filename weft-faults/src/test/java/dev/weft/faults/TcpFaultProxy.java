package dev.weft.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy on virtual threads between the service and a server (provider, PostgreSQL, Redis), whose
 * {@link Mode} a scenario switches while traffic flows: the faults of a network that no package here gives
 * (no toxiproxy, no {@code tc netem}).
 */
final class TcpFaultProxy implements AutoCloseable {
    /** What the proxy does to traffic. */
    enum Mode {
        /** Forwards both ways. */
        PASS,
        /** Accepts and resets every connection at once (SO_LINGER 0): the peer looks unreachable. */
        RESET,
        /** Accepts, reads and drops everything, answers nothing: a hung peer or a lost route. */
        BLACKHOLE,
        /** Forwards with {@link #latency(Duration)} added to every chunk in each direction. */
        LATENCY
    }

    private final ServerSocket server;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.PASS;
    private volatile Duration latency = Duration.ZERO;
    private volatile boolean closed;

    private TcpFaultProxy(int targetPort) throws IOException {
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        Thread.ofVirtual().name("fault-proxy-accept").start(this::accept);
    }

    /**
     * @param targetPort the loopback port to forward to
     * @return a running proxy in {@link Mode#PASS}
     */
    static TcpFaultProxy to(int targetPort) {
        try {
            return new TcpFaultProxy(targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the port clients connect to */
    int port() {
        return server.getLocalPort();
    }

    /**
     * Switches the mode; open connections are reset when the new mode is {@link Mode#RESET}.
     *
     * @param next the mode
     */
    void mode(Mode next) {
        mode = next;
        if (next == Mode.RESET) {
            sockets.forEach(TcpFaultProxy::reset);
        }
    }

    /** @param delay added to each chunk in {@link Mode#LATENCY} */
    void latency(Duration delay) {
        latency = delay;
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (mode == Mode.RESET) {
                reset(client);
                continue;
            }
            Thread.ofVirtual().name("fault-proxy-conn").start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket upstream;
        try {
            upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
        } catch (IOException e) {
            reset(client);
            return;
        }
        sockets.add(client);
        sockets.add(upstream);
        Thread.ofVirtual().name("fault-proxy-up").start(() -> pump(client, upstream));
        pump(upstream, client);
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                Mode now = mode;
                if (now == Mode.BLACKHOLE) {
                    continue; // swallowed
                }
                if (now == Mode.RESET) {
                    break;
                }
                if (now == Mode.LATENCY && !latency.isZero()) {
                    Thread.sleep(latency);
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the other side went away, or a reset: close both below
        } finally {
            reset(from);
            reset(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
        sockets.forEach(TcpFaultProxy::reset);
    }
}
