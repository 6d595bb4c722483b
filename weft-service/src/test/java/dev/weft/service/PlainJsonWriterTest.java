package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PlainJsonWriterTest {
    private final Json json = Json.create();

    record Row(String userName, Instant at) {
    }

    @Test
    void writesTheBytesTheMapperWrites() {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("text", "plain \"quoted\" \\ / tab\t line\n bell\u0007 é 😀 \u2028");
        document.put("long", Long.MIN_VALUE);
        document.put("int", 42);
        document.put("doubles", Arrays.asList(0.1, -0.0, 1e300, 12.34, Double.NaN, Double.POSITIVE_INFINITY, null));
        document.put("bools", List.of(true, false));
        document.put("nothing", null);
        document.put("empty", Map.of());
        document.put("set", new LinkedHashSet<>(List.of("b", "a")));
        document.put("nested", Map.of("deeper", List.of(Map.of("k", List.of()))));
        document.put("sorted", new TreeMap<>(Map.of("z", 1L, "a", 2L)));
        // not plain: the mapper writes them where they stand
        document.put("record", new Row("ann", Instant.parse("2026-12-05T17:00:00.120Z")));
        document.put("instant", Instant.parse("2026-12-05T17:00:00Z"));
        document.put("duration", Duration.ofMillis(1500));
        document.put("int_keys", Map.of(1, "one"));
        document.put("array", new long[] {1, 2});
        document.put("float", 1.5f);
        document.put("short", (short) 7);

        assertThat(new String(json.writePlain(document), StandardCharsets.UTF_8))
                .isEqualTo(new String(json.write(document), StandardCharsets.UTF_8));
        assertThat(json.writePlain(List.of())).isEqualTo(json.write(List.of()));
        assertThat(json.writePlain("x")).isEqualTo(json.write("x"));
    }

    @Test
    void randomDocumentsMatchTheMapper() {
        SplittableRandom random = new SplittableRandom(21);
        for (int i = 0; i < 2_000; i++) {
            Object document = randomValue(random, 0);
            assertThat(json.writePlain(document)).as("document %s", i).isEqualTo(json.write(document));
        }
    }

    private static Object randomValue(SplittableRandom random, int depth) {
        int kind = random.nextInt(depth >= 4 ? 6 : 8);
        return switch (kind) {
            case 0 -> null;
            case 1 -> randomText(random);
            case 2 -> random.nextLong();
            case 3 -> random.nextInt();
            case 4 -> random.nextDouble() * Math.pow(10, random.nextInt(-10, 10));
            case 5 -> random.nextBoolean();
            case 6 -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (int n = random.nextInt(5); n > 0; n--) {
                    map.put(randomText(random), randomValue(random, depth + 1));
                }
                yield map;
            }
            default -> {
                List<Object> list = new ArrayList<>();
                for (int n = random.nextInt(5); n > 0; n--) {
                    list.add(randomValue(random, depth + 1));
                }
                yield list;
            }
        };
    }

    private static String randomText(SplittableRandom random) {
        StringBuilder out = new StringBuilder();
        for (int n = random.nextInt(8); n > 0; n--) {
            out.appendCodePoint(switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0, 0x20);
                case 1 -> random.nextInt(0x20, 0x7f);
                case 2 -> random.nextInt(0x80, 0xd800);
                default -> random.nextInt(0x10000, 0x10ffff);
            });
        }
        return out.toString();
    }
}
