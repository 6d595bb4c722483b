package dev.weft.service.http;

import dev.weft.core.WeftException;
import io.helidon.common.buffers.DataReader;
import io.helidon.webserver.ServerConnectionException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Failures that are the client's doing rather than the server's: a client that went away (reset or closed the
 * connection while the server read its body or wrote the answer) is status 499, as nginx logs it and Tomcat users
 * know as {@code ClientAbortException}; a client that stopped sending its body for {@link #BODY_IDLE_TIMEOUT} is
 * status 408. Neither is a 500: the edge counts them under their own status and logs them at DEBUG without a stack.
 *
 * <p>Thread-safe.
 */
public final class ClientDisconnects {
    /** The status counted for a client that closed or reset the connection before its answer was complete. */
    public static final int ABORTED = 499;
    /** The status counted for a client that stopped sending its body. */
    public static final int TIMED_OUT = 408;
    /**
     * How long a request body may go without a byte before the connection is closed. Helidon's socket read timeout
     * does not apply to its NIO channel reads, so a stalled body would otherwise hold its connection for good.
     */
    public static final Duration BODY_IDLE_TIMEOUT = Duration.ofSeconds(5);

    // one platform thread that only interrupts readers; it never blocks. Cancelled alarms leave the queue at once,
    // or every body read would stay queued for the whole timeout
    private static final ScheduledExecutorService ALARMS = alarms();

    private ClientDisconnects() {
    }

    private static ScheduledExecutorService alarms() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "weft-body-read-timeout");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /**
     * @param failure what a request's handling threw
     * @return {@link #ABORTED}, {@link #TIMED_OUT}, or 0 when the failure is not the client's doing
     */
    public static int status(Throwable failure) {
        if (failure instanceof WeftException) {
            return 0; // a dependency's connection failing (database, Redis, provider) is the server's problem
        }
        int depth = 0;
        for (Throwable cause = failure; cause != null && depth < 16; cause = cause.getCause(), depth++) {
            if (cause instanceof Stalled) {
                return TIMED_OUT;
            }
            // Helidon raises these for the client's connection only: writing to it or reading from it failed, or it
            // ended before the declared body did
            if (cause instanceof ServerConnectionException
                    || cause instanceof DataReader.InsufficientDataAvailableException
                    || cause instanceof Aborted) {
                return ABORTED;
            }
        }
        return 0;
    }

    /**
     * Wraps a request body so that a read waiting longer than {@link #BODY_IDLE_TIMEOUT} for the next bytes is
     * interrupted, which closes the connection (a blocked channel read cannot be woken otherwise) and throws
     * {@link Stalled}; and so that a chunked body whose chunk size is not a hex number that fits an {@code int} throws
     * {@link MalformedBody}.
     *
     * @param body the request's body stream
     * @return the guarded stream; confined to the request's thread
     */
    public static InputStream guard(InputStream body) {
        return new GuardedBody(body);
    }

    /**
     * A chunked request body whose chunk size could not be read: a client's mistake, answered 400
     * {@code bad_request}, after which the connection closes ({@code EndpointHandler}).
     *
     * <p>Helidon's chunk parser lets a {@link NumberFormatException} out as it is (a chunk extension,
     * {@code 2;name=value}, is one too: it does not read them), which made such a body a 500 logged at ERROR; and the
     * client got no answer, as closing the body, and Helidon after the answer, drained the rest of it, reading the
     * next bytes as another chunk size and waiting for that chunk. Nothing after a bad chunk size can be framed, so
     * neither drains it, and the connection ends with the answer rather than reading those bytes as a next request.
     * Stackless: the client's doing.
     */
    public static final class MalformedBody extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedBody() {
            super("the request body's chunked encoding could not be read", null, false, false);
        }
    }

    /** A request body that sent nothing for {@link #BODY_IDLE_TIMEOUT}. */
    public static final class Stalled extends IOException {
        private static final long serialVersionUID = 1L;

        Stalled() {
            super("the request body sent nothing for " + BODY_IDLE_TIMEOUT.toSeconds() + " s");
        }
    }

    /** The client went away while its body was read. Stackless: it is expected and logged without a trace. */
    public static final class Aborted extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param cause the read failure that showed it */
        public Aborted(Throwable cause) {
            super("the client closed the connection", cause, false, false);
        }
    }

    /** Reads through an alarm that interrupts the reader if one read waits too long. */
    private static final class GuardedBody extends java.io.FilterInputStream {
        /** Set once a chunk size could not be read: nothing after it can be framed. */
        private boolean malformed;

        GuardedBody(InputStream in) {
            super(in);
        }

        @Override
        public void close() throws IOException {
            // closing drains the rest of the body, which after a malformed chunk size reads the next bytes as another
            // size and waits, unguarded, for a chunk that never comes (MalformedBody)
            if (!malformed) {
                super.close();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int count = read(one, 0, 1);
            return count < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            Alarm alarm = new Alarm(Thread.currentThread());
            alarm.future = ALARMS.schedule(alarm::ring, BODY_IDLE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            try {
                return super.read(buffer, offset, length);
            } catch (NumberFormatException e) {
                // only Helidon's chunk-size parser throws it under a body read
                malformed = true;
                throw new MalformedBody();
            } catch (IOException | RuntimeException e) {
                if (alarm.rang()) {
                    throw new Stalled();
                }
                throw e;
            } finally {
                alarm.disarm();
            }
        }

        @Override
        public long skip(long count) throws IOException {
            int chunk = (int) Math.min(Math.max(count, 0), 8192);
            return Math.max(0, read(new byte[chunk], 0, chunk));
        }
    }

    /** One read's alarm. The lock orders the ring against the disarm, so no stray interrupt outlives the read. */
    private static final class Alarm {
        private final Thread reader;
        private java.util.concurrent.@org.jspecify.annotations.Nullable ScheduledFuture<?> future;
        private boolean done;
        private boolean rang;

        Alarm(Thread reader) {
            this.reader = reader;
        }

        synchronized void ring() {
            if (!done) {
                rang = true;
                reader.interrupt();
            }
        }

        synchronized boolean rang() {
            return rang;
        }

        void disarm() {
            boolean interrupted;
            synchronized (this) {
                done = true;
                interrupted = rang;
            }
            if (future != null) {
                future.cancel(false);
            }
            if (interrupted) {
                Thread.interrupted(); // the read returned as the alarm rang: clear the flag it set
            }
        }
    }
}
