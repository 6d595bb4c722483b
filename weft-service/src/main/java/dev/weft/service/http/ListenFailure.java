package dev.weft.service.http;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The server could not listen: the port is taken, or the address is not one of this machine's. A mistake in the
 * settings ({@link ErrorKind#INVALID_INPUT}, so {@code weft serve} exits with its configuration code), told in one line
 * that names the setting to change.
 *
 * <p>Helidon logs the bind failure and returns a server that is not running, without the cause; {@link #of} learns
 * the cause by binding the same address itself once.
 */
final class ListenFailure extends WeftException {
    private static final long serialVersionUID = 1L;

    private ListenFailure(String code, String message, Throwable cause) {
        super(ErrorKind.INVALID_INPUT, code, message, cause);
    }

    /**
     * @param bind the address the server was to listen on
     * @param port the port
     * @return the failure, with the cause a bind of that address gives now
     */
    static ListenFailure of(String bind, int port) {
        ListenFailure now = probe(bind, port);
        return now != null ? now : new ListenFailure("cannot_listen", "could not listen on " + bind + ":" + port
                + " (the address is free again now): see the log line before this one",
                new IllegalStateException("the server did not start"));
    }

    /**
     * Binds the address once and lets it go: how a start learns, before it opens the database and migrates, that it
     * could not listen. Port 0 (any free port) is bound too, which finds an address not of this machine.
     *
     * @param bind the address to listen on
     * @param port the port
     * @return why it cannot be listened on, or {@code null} if the bind worked
     */
    static @Nullable ListenFailure probe(String bind, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            // as Helidon binds (Netty and the JDK set SO_REUSEADDR on Linux): a port in TIME_WAIT is not taken
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(bind, port));
            return null;
        } catch (BindException e) {
            String reason = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (reason.contains("in use")) {
                return new ListenFailure("port_in_use", "port " + port + " is in use: choose another with --port or"
                        + " WEFT_PORT", e);
            }
            if (reason.contains("permission")) {
                return new ListenFailure("port_not_permitted", "port " + port + " needs privileges this process does"
                        + " not have: choose one above 1023 with --port or WEFT_PORT", e);
            }
            return new ListenFailure("cannot_listen", "cannot listen on " + bind + " (" + e.getMessage()
                    + "): choose an address of this machine with --bind or WEFT_BIND", e);
        } catch (IOException | RuntimeException e) {
            return new ListenFailure("cannot_listen", "cannot listen on " + bind + ":" + port + " (" + e.getMessage()
                    + "): check --bind/WEFT_BIND and --port/WEFT_PORT", e);
        }
    }
}
