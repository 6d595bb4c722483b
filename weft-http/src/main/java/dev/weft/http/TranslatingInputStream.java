package dev.weft.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Function;

/**
 * A response body handed to the caller ({@link ApiStream#body()}) whose read failures are weft-http's exceptions
 * rather than the transport's: a caller of a weft API should not have to catch HttpClient 5's
 * {@code ConnectionClosedException} when the body breaks off. The {@link IOException}s it still declares are never
 * thrown by reads. Confined to one thread, like the stream it wraps.
 */
final class TranslatingInputStream extends FilterInputStream {
    private final Function<IOException, ApiException> translate;

    TranslatingInputStream(InputStream body, Function<IOException, ApiException> translate) {
        super(body);
        this.translate = translate;
    }

    @Override
    public int read() {
        try {
            return super.read();
        } catch (IOException e) {
            throw translate.apply(e);
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        try {
            return super.read(buffer, offset, length);
        } catch (IOException e) {
            throw translate.apply(e);
        }
    }

    @Override
    public long skip(long count) {
        try {
            return super.skip(count);
        } catch (IOException e) {
            throw translate.apply(e);
        }
    }

    @Override
    public int available() {
        try {
            return super.available();
        } catch (IOException e) {
            throw translate.apply(e);
        }
    }
}
