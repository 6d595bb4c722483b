package dev.weft.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.zip.ZipException;
import javax.net.ssl.SSLException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.MalformedChunkCodingException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.TruncatedChunkException;

/**
 * Translates the transport's {@link IOException}s into weft-http's exceptions, keeping the cause, and tells the
 * ones where the request provably never left (those may be retried even for a POST).
 */
final class TransportFailures {
    private TransportFailures() {
    }

    /** Whether the failure happened before any byte of the request could reach the server. */
    static boolean neverSent(IOException e) {
        return e instanceof ConnectException || e instanceof ConnectTimeoutException
                || e instanceof UnknownHostException || e instanceof NoRouteToHostException;
    }

    /** The weft exception for an I/O failure of a call to {@code host}; restores the interrupt flag if needed. */
    static ApiException of(ApiConfig config, String host, IOException e, boolean neverSent) {
        String client = config.name();
        return switch (e) {
            case ConnectTimeoutException timeout -> new ApiTimeoutException(client, host, "connect_timeout",
                    "no connection within " + config.timeouts().connect().toMillis() + " ms", timeout);
            case SocketTimeoutException timeout -> new ApiTimeoutException(client, host, "read_timeout",
                    "no data within " + config.timeouts().response().toMillis() + " ms", timeout);
            case SSLException tls -> new ApiConnectException(client, host, "tls_failure",
                    "TLS failed: " + tls.getClass().getSimpleName(), tls, false);
            case InterruptedIOException interrupted -> {
                Thread.currentThread().interrupt();
                yield interrupted(client, host, "waiting for the response");
            }
            case NoHttpResponseException none -> new ApiConnectException(client, host, "no_response",
                    "server closed the connection without answering", none);
            case SocketException socket when !neverSent -> new ApiConnectException(client, host,
                    "connection_reset", "connection broke: " + socket.getClass().getSimpleName(), socket);
            default -> new ApiConnectException(client, host, neverSent ? "upstream_unreachable" : "io_error",
                    (neverSent ? "cannot connect: " : "I/O failed: ") + e.getClass().getSimpleName(), e);
        };
    }

    /**
     * The weft exception for an I/O failure while reading a response body: a body the server ended early (HC5's
     * {@link ConnectionClosedException}, or {@link TruncatedChunkException} inside a chunk) says so, a body that
     * does not decode (bad gzip, malformed chunks) is a {@link ResponseFormatException}; other failures as
     * {@link #of}.
     */
    static ApiException ofBody(ApiConfig config, String host, IOException e) {
        // A connection closed inside a chunk is HC5's TruncatedChunkException, not a ConnectionClosedException,
        // and was reported as a generic "io_error".
        if (e instanceof ConnectionClosedException || e instanceof TruncatedChunkException) {
            return new ApiConnectException(config.name(), host, "body_incomplete",
                    "the server closed the connection before the response body was complete", e);
        }
        // The bytes arrived but are not what the server's headers said: a bad response, not a broken connection.
        if (e instanceof ZipException) {
            return new ResponseFormatException(config.name(), host, "upstream_bad_response",
                    "response body is not valid for its Content-Encoding (" + e.getClass().getSimpleName() + ")", e);
        }
        if (e instanceof MalformedChunkCodingException) {
            return new ResponseFormatException(config.name(), host, "upstream_bad_response",
                    "response body has malformed chunked encoding", e);
        }
        return of(config, host, e, false);
    }

    /** The exception for a call interrupted while {@code what}; the caller restores the interrupt flag. */
    static ApiException interrupted(String client, String host, String what) {
        return new ApiConnectException(client, host, "interrupted", "interrupted " + what, null, false);
    }
}
