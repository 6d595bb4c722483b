package dev.weft.db;

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
 * A loopback TCP proxy in front of a database server, on virtual threads, that can play a server crash without
 * touching the (shared) server: {@link #down()} resets every connection and resets new ones at once, {@link #up()}
 * forwards again. {@link #cutAfterNextClientWrite()} forwards the client's next write to the server, then drops
 * the reply and resets the client: a connection lost while the server runs (and may commit) the statement.
 */
final class FaultProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean down;
    private final AtomicBoolean cutArmed = new AtomicBoolean();
    private volatile boolean closed;

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
    static FaultProxy listen(int listenPort, int targetPort) {
        try {
            return new FaultProxy(new ServerSocket(listenPort, 200, InetAddress.getLoopbackAddress()), targetPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** Plays a crash: resets every open connection; new ones are reset as soon as they are accepted. */
    void down() {
        down = true;
        for (Socket socket : sockets) {
            reset(socket);
        }
        sockets.clear();
    }

    /** Forwards new connections again. */
    void up() {
        down = false;
    }

    /** The next chunk a client sends reaches the server, its reply never reaches the client, which is reset. */
    void cutAfterNextClientWrite() {
        cutArmed.set(true);
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
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                AtomicBoolean cut = new AtomicBoolean();
                Thread.ofVirtual().start(() -> pump(client, upstream, client, cut, true));
                Thread.ofVirtual().start(() -> pump(upstream, client, client, cut, false));
            } catch (IOException e) {
                reset(client);
            }
        }
    }

    private void pump(Socket from, Socket to, Socket client, AtomicBoolean cut, boolean fromClient) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                if (!fromClient && cut.get()) {
                    continue; // the reply to a cut write never arrives
                }
                out.write(buffer, 0, read);
                out.flush();
                if (fromClient && cutArmed.compareAndSet(true, false)) {
                    cut.set(true);
                    Thread.sleep(300); // let the server run it; its reply is dropped meanwhile
                    reset(client);
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            // a side went away: close both below
        } finally {
            reset(from);
            reset(to);
        }
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
