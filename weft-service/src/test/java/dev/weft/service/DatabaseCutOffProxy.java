package dev.weft.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A loopback TCP proxy in front of a shared database server that plays its crash without touching it:
 * {@link #down()} resets every connection and resets new ones as soon as they arrive; {@link #up()} forwards again.
 * Listens on a free port in 22000-22999. Virtual threads; closes everything on {@link #close()}.
 */
final class DatabaseCutOffProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean down;

    DatabaseCutOffProxy(int targetPort) {
        this.server = bindInRange();
        this.targetPort = targetPort;
        Thread.ofVirtual().name("cut-off-proxy").start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    void down() {
        down = true;
        sockets.forEach(DatabaseCutOffProxy::reset);
        sockets.clear();
    }

    void up() {
        down = false;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (down) {
                    reset(client);
                    continue;
                }
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away
        } finally {
            reset(from);
            reset(to);
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static ServerSocket bindInRange() {
        int offset = ThreadLocalRandom.current().nextInt(1000);
        for (int i = 0; i < 1000; i++) {
            try {
                return new ServerSocket(22000 + (offset + i) % 1000, 200, InetAddress.getLoopbackAddress());
            } catch (IOException taken) {
                // the next one
            }
        }
        throw new UncheckedIOException(new IOException("no free port in 22000-22999"));
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        down();
    }
}
