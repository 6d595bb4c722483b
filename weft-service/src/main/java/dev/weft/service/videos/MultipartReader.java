package dev.weft.service.videos;

import dev.weft.service.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@code multipart/form-data} body (RFC 7578) part by part as it arrives, with a fixed 64 KiB buffer: a
 * part's content is copied to an {@link OutputStream} (a file) up to a limit and never held whole in memory.
 * Malformed input is a 400 problem; a part over its limit is the caller's to report.
 *
 * <p>Not thread-safe: one reader per request.
 */
final class MultipartReader {
    /** Largest header block of one part. */
    static final int MAX_HEADERS = 8 * 1024;
    private static final Pattern NAME = Pattern.compile("(?i)(?:^|;)\\s*name=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("(?i)(?:^|;)\\s*filename=\"([^\"]*)\"");
    private static final Pattern BOUNDARY = Pattern.compile("[0-9A-Za-z'()+_,./:=? -]{1,70}");

    /** One part's headers. @param name form field @param filename file name, if a file @param contentType type */
    record Part(String name, @Nullable String filename, @Nullable String contentType) {
    }

    /** Thrown by {@link #copyTo} when a part passes its limit. */
    static final class TooLarge extends Exception {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super("part over its limit", null, false, false);
        }
    }

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;
    private boolean eof;
    private boolean finished;
    private boolean inPart;
    private boolean begun;

    private MultipartReader(InputStream in, String boundary) {
        this.in = Objects.requireNonNull(in, "in");
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        // the body starts with "--boundary": pretend a CRLF came before it, so every delimiter looks the same
        buffer[0] = '\r';
        buffer[1] = '\n';
        end = 2;
    }

    /**
     * @param in the body
     * @param contentType the request's {@code Content-Type}
     * @return a reader
     * @throws ProblemException 415 unless it is {@code multipart/form-data} with a valid boundary
     */
    static MultipartReader open(InputStream in, @Nullable String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw ProblemException.of(415, "unsupported_media_type", "the body must be multipart/form-data");
        }
        String boundary = null;
        for (String parameter : contentType.split(";")) {
            String trimmed = parameter.trim();
            if (trimmed.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                boundary = trimmed.substring("boundary=".length());
                if (boundary.length() >= 2 && boundary.startsWith("\"") && boundary.endsWith("\"")) {
                    boundary = boundary.substring(1, boundary.length() - 1);
                }
            }
        }
        if (boundary == null || !BOUNDARY.matcher(boundary).matches() || boundary.endsWith(" ")) {
            throw ProblemException.of(415, "unsupported_media_type", "multipart/form-data needs a valid boundary");
        }
        return new MultipartReader(in, boundary);
    }

    /**
     * Moves to the next part, skipping what is left of the current one.
     *
     * @return the part's headers, or empty after the last part
     * @throws IOException if reading fails
     */
    Optional<Part> next() throws IOException {
        if (finished) {
            return Optional.empty();
        }
        if (inPart) {
            try {
                copyTo(OutputStream.nullOutputStream(), Long.MAX_VALUE);
            } catch (TooLarge impossible) {
                throw new IllegalStateException(impossible);
            }
        } else if (!begun) {
            skipPreamble();
            begun = true;
        }
        // after a delimiter: "--" ends the body, CRLF starts a part
        require(2);
        if (buffer[start] == '-' && buffer[start + 1] == '-') {
            finished = true;
            return Optional.empty();
        }
        // tolerate transport padding (spaces, tabs) before the CRLF
        while (available() > 0 && (buffer[start] == ' ' || buffer[start] == '\t')) {
            start++;
            require(2);
        }
        if (buffer[start] != '\r' || buffer[start + 1] != '\n') {
            throw malformed("a boundary line must end with CRLF");
        }
        start += 2;
        String headers = readHeaders();
        String name = null;
        String filename = null;
        String type = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String header = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (header.equals("content-disposition")) {
                if (!value.toLowerCase(Locale.ROOT).startsWith("form-data")) {
                    throw malformed("a part's Content-Disposition must be form-data");
                }
                name = group(NAME, value);
                filename = group(FILENAME, value);
            } else if (header.equals("content-type")) {
                type = value;
            }
        }
        if (name == null || name.isEmpty()) {
            throw malformed("every part needs a Content-Disposition with a name");
        }
        inPart = true;
        return Optional.of(new Part(name, filename, type));
    }

    /**
     * Copies the current part's content.
     *
     * @param out where the bytes go
     * @param limit the most bytes allowed
     * @return the bytes copied
     * @throws TooLarge once more than {@code limit} bytes were seen (the rest is not read)
     * @throws IOException if reading or writing fails
     */
    long copyTo(OutputStream out, long limit) throws IOException, TooLarge {
        if (!inPart) {
            throw new IllegalStateException("no current part");
        }
        long copied = 0;
        while (true) {
            int found = indexOfDelimiter();
            int stop = found >= 0 ? found : Math.max(start, end - (delimiter.length - 1));
            int length = stop - start;
            if (copied + length > limit) {
                throw new TooLarge();
            }
            out.write(buffer, start, length);
            copied += length;
            start = stop;
            if (found >= 0) {
                start += delimiter.length;
                inPart = false;
                return copied;
            }
            if (eof) {
                throw malformed("the body ended inside a part");
            }
            fill();
        }
    }

    /** Reads a small part whole. */
    byte[] readSmall(int limit) throws IOException, TooLarge {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        copyTo(out, limit);
        return out.toByteArray();
    }

    private void skipPreamble() throws IOException {
        while (true) {
            int found = indexOfDelimiter();
            if (found >= 0) {
                start = found + delimiter.length;
                return;
            }
            if (eof) {
                throw malformed("no boundary found");
            }
            start = Math.max(start, end - (delimiter.length - 1));
            fill();
        }
    }

    private String readHeaders() throws IOException {
        while (true) {
            int at = indexOf(new byte[] {'\r', '\n', '\r', '\n'});
            // a part may have no headers at all
            if (available() >= 2 && buffer[start] == '\r' && buffer[start + 1] == '\n') {
                start += 2;
                return "";
            }
            if (at >= 0) {
                String headers = new String(buffer, start, at - start, StandardCharsets.UTF_8);
                start = at + 4;
                return headers;
            }
            if (available() > MAX_HEADERS) {
                throw malformed("a part's headers are larger than " + MAX_HEADERS + " bytes");
            }
            if (eof) {
                throw malformed("the body ended inside a part's headers");
            }
            fill();
        }
    }

    private int available() {
        return end - start;
    }

    private void require(int bytes) throws IOException {
        while (available() < bytes) {
            if (eof) {
                throw malformed("the body ended early");
            }
            fill();
        }
    }

    private void fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buffer.length) {
            throw new IllegalStateException("multipart buffer full");
        }
        int read = in.read(buffer, end, buffer.length - end);
        if (read < 0) {
            eof = true;
        } else {
            end += read;
        }
    }

    private int indexOfDelimiter() {
        return indexOf(delimiter);
    }

    private int indexOf(byte[] pattern) {
        byte first = pattern[0];
        int last = end - pattern.length;
        outer:
        for (int i = start; i <= last; i++) {
            if (buffer[i] != first) {
                continue;
            }
            for (int j = 1; j < pattern.length; j++) {
                if (buffer[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static @Nullable String group(Pattern pattern, String value) {
        Matcher matcher = pattern.matcher(value);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static ProblemException malformed(String message) {
        return ProblemException.of(400, "malformed_multipart", message);
    }
}
