package dev.weft.service.http;

import io.helidon.common.GenericType;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.Sink;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The response to a {@code HEAD} request (RFC 9110 §9.3.2): the route's {@code GET} endpoint, or the error handler,
 * answers as it would to a {@code GET}, and this response sends the same status and headers without the body. The
 * {@code Content-Length} is that of the body the {@code GET} would have sent: counted from the bytes given to
 * {@link #send(byte[])}, or written to {@link #outputStream()} and dropped (a streamed {@code GET} is chunked; its
 * {@code HEAD} still runs the stream to learn the length, as a servlet container's default {@code doHead} does).
 *
 * <p>Helidon's HTTP/1 response writes whatever body it is given, whatever the method, and sets
 * {@code Content-Length: 0} when a stream is closed empty; hence a wrapper rather than a stream filter.
 *
 * <p>Confined to the request's thread, like the response it wraps.
 */
final class HeadResponse implements ServerResponse {
    private final ServerResponse response;
    private long streamedBytes;

    private HeadResponse(ServerResponse response) {
        this.response = Objects.requireNonNull(response, "response");
    }

    /**
     * @param request the request
     * @param response Helidon's response to it
     * @return a body-less view of the response for a {@code HEAD} request, else the response itself
     */
    static ServerResponse forRequest(ServerRequest request, ServerResponse response) {
        return request.prologue().method().equals(Method.HEAD) ? new HeadResponse(response) : response;
    }

    @Override
    public void send(byte[] bytes) {
        sendHead(bytes.length);
    }

    @Override
    public void send(byte[] bytes, int position, int length) {
        sendHead(length);
    }

    @Override
    public void send() {
        sendHead(0);
    }

    /** Sends the head of an answer whose body would have had this many bytes. */
    private void sendHead(long length) {
        int status = response.status().code();
        // 204 and 304 never carry a length (Helidon refuses a non-zero one); for a GET that sent nothing, neither
        if (length > 0 && status != Status.NO_CONTENT_204.code() && status != Status.NOT_MODIFIED_304.code()) {
            response.header(HeaderNames.CONTENT_LENGTH, Long.toString(length));
        }
        response.send();
    }

    @Override
    public void send(Object entity) {
        if (entity instanceof byte[] bytes) {
            send(bytes);
            return;
        }
        // weft's endpoints answer bytes (Exchange) or a stream; an entity Helidon would serialise has no known length
        throw new IllegalStateException("a HEAD answer needs the body as bytes or a stream, not a "
                + entity.getClass().getSimpleName());
    }

    @Override
    public OutputStream outputStream() {
        return new OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) {
                streamedBytes++;
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                Objects.checkFromIndexSize(offset, length, bytes.length);
                streamedBytes += length;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    sendHead(streamedBytes);
                }
            }
        };
    }

    @Override
    public long bytesWritten() {
        return response.bytesWritten();
    }

    @Override
    public ServerResponse status(Status status) {
        response.status(status);
        return this;
    }

    @Override
    public Status status() {
        return response.status();
    }

    @Override
    public ServerResponse header(Header header) {
        response.header(header);
        return this;
    }

    @Override
    public boolean isSent() {
        return response.isSent();
    }

    @Override
    public ServerResponse beforeSend(Runnable beforeSendHandler) {
        response.beforeSend(beforeSendHandler);
        return this;
    }

    @Override
    public ServerResponse whenSent(Runnable listener) {
        response.whenSent(listener);
        return this;
    }

    @Override
    public ServerResponse reroute(String newPath) {
        response.reroute(newPath);
        return this;
    }

    @Override
    public ServerResponse reroute(String path, UriQuery query) {
        response.reroute(path, query);
        return this;
    }

    @Override
    public ServerResponse next() {
        response.next();
        return this;
    }

    @Override
    public ServerResponseHeaders headers() {
        return response.headers();
    }

    @Override
    public ServerResponseTrailers trailers() {
        return response.trailers();
    }

    @Override
    public ServerResponse beforeTrailers(Consumer<ServerResponseTrailers> trailers) {
        response.beforeTrailers(trailers);
        return this;
    }

    @Override
    public void streamResult(String result) {
        response.streamResult(result);
    }

    @Override
    public <T extends Sink<?>> T sink(GenericType<T> sinkType) {
        throw new IllegalStateException("a HEAD answer has no event stream");
    }

    @Override
    public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
        // the body is dropped: a filter of it has nothing to filter
    }
}
