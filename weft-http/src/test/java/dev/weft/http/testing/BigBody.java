package dev.weft.http.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * The deterministic byte pattern {@link Behavior#bigBody(long)} serves: a block of {@value #PERIOD} pseudo-random
 * bytes (fixed seed) repeated. The period is prime so it never lines up with buffer or chunk sizes, and a
 * shifted, truncated or duplicated range changes the SHA-256.
 *
 * <p>Use {@link #sha256Hex(long)} for the hash a download must have, and {@link #inputStream(long)} to
 * produce an upload (or a file to upload) of any size without holding it in memory.
 *
 * <p>Thread-safe: stateless.
 */
public final class BigBody {

    /** Length of the repeating block, in bytes (a prime). */
    public static final int PERIOD = 65_521;

    private static final int WINDOW = 64 * 1024;

    /** The block followed by its continuation, so any {@link #WINDOW} bytes starting in the first block are contiguous. */
    private static final byte[] PATTERN = pattern();

    private BigBody() {
    }

    private static byte[] pattern() {
        byte[] block = new byte[PERIOD];
        new SplittableRandom(0x5eed_f00dL).nextBytes(block);
        byte[] repeated = new byte[PERIOD + WINDOW];
        for (int i = 0; i < repeated.length; i++) {
            repeated[i] = block[i % PERIOD];
        }
        return repeated;
    }

    /**
     * The byte at an offset of the pattern.
     *
     * @param offset offset from the start of the body, {@code >= 0}
     * @return the byte there
     */
    public static byte byteAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        return PATTERN[(int) (offset % PERIOD)];
    }

    /**
     * Writes the first {@code size} bytes of the pattern. Blocks while {@code out} blocks; does not flush.
     *
     * @param out where to write
     * @param size how many bytes, {@code >= 0}
     * @throws IOException when {@code out} fails
     */
    public static void writeTo(OutputStream out, long size) throws IOException {
        requireSize(size);
        long written = 0;
        while (written < size) {
            int start = (int) (written % PERIOD);
            int length = (int) Math.min(WINDOW, size - written);
            out.write(PATTERN, start, length);
            written += length;
        }
    }

    /**
     * The SHA-256 of the first {@code size} bytes of the pattern, as lowercase hex. Takes about 2-4 s per GiB.
     *
     * @param size body length, {@code >= 0}
     * @return 64 hex characters
     */
    public static String sha256Hex(long size) {
        requireSize(size);
        MessageDigest digest = sha256();
        long done = 0;
        while (done < size) {
            int start = (int) (done % PERIOD);
            int length = (int) Math.min(WINDOW, size - done);
            digest.update(PATTERN, start, length);
            done += length;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * A stream of the first {@code size} bytes of the pattern, generated as it is read (constant memory).
     * The caller closes it (closing only ends it; it holds no resource).
     *
     * @param size body length, {@code >= 0}
     * @return a new stream positioned at offset 0
     */
    public static InputStream inputStream(long size) {
        requireSize(size);
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                if (position >= size) {
                    return -1;
                }
                return byteAt(position++) & 0xff;
            }

            @Override
            public int read(byte[] target, int offset, int length) {
                if (length == 0) {
                    return 0;
                }
                if (position >= size) {
                    return -1;
                }
                int start = (int) (position % PERIOD);
                int count = (int) Math.min(Math.min(length, WINDOW), size - position);
                System.arraycopy(PATTERN, start, target, offset, count);
                position += count;
                return count;
            }

            @Override
            public long skip(long count) {
                long skipped = Math.max(0, Math.min(count, size - position));
                position += skipped;
                return skipped;
            }

            @Override
            public int available() {
                return (int) Math.min(Integer.MAX_VALUE, size - position);
            }
        };
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void requireSize(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
    }
}
