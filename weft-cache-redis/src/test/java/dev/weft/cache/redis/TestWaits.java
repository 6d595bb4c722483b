package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Small helpers of the Redis tests (the local tier's tests in weft-cache have the same ones). */
final class TestWaits {
    private TestWaits() {
    }

    /** A key of exactly {@code bytes} UTF-8 bytes, made of characters of 1 to 4 bytes, padded with ASCII. */
    static String keyOfBytes(int bytes, int bytesPerCharacter) {
        String character = switch (bytesPerCharacter) {
            case 1 -> "k";
            case 2 -> "é";
            case 3 -> "€";
            case 4 -> "😀";
            default -> throw new IllegalArgumentException("1 to 4 bytes");
        };
        StringBuilder key = new StringBuilder();
        int length = 0;
        while (length + bytesPerCharacter <= bytes) {
            key.append(character);
            length += bytesPerCharacter;
        }
        key.append("k".repeat(bytes - length));
        assertThat(key.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(bytes);
        return key.toString();
    }

    static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
