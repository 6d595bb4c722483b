package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The names of the log lines' key-values, read from every module's sources: the ECS encoder writes them as flat
 * fields beside its own, so a name that ECS defines as an object would make Elasticsearch refuse the whole line,
 * and one concept spelled two ways (the MDC's {@code job.id} beside a key-value {@code job_id}) splits every search.
 */
class LogKeyNamesTest {
    private static final Pattern KEY = Pattern.compile("addKeyValue\\(\\s*\"([^\"]+)\"");
    /** ECS fields that are objects: a flat value under one of these names conflicts with the index's mapping. */
    private static final Set<String> ECS_OBJECTS = Set.of("error", "url", "client", "server", "file", "host", "http",
            "event", "log", "process", "service", "user", "source", "destination", "trace", "span", "transaction");
    /** A concept and the one spelling the logs use for it (the MDC's, or ECS's). */
    private static final Map<String, String> SPELLED_ONE_WAY = Map.of("job_id", "job.id", "video_id", "video.id",
            "error_code", "error.code", "error_type", "error.type", "trace_id", "trace.id", "span_id", "span.id");

    @Test
    void noKeyValueIsNamedLikeAnEcsObjectOrSpelledAnotherWay() {
        List<String> found = new ArrayList<>();
        for (Path source : mainSources()) {
            Matcher key = KEY.matcher(read(source));
            while (key.find()) {
                String name = key.group(1);
                if (ECS_OBJECTS.contains(name)) {
                    found.add(source.getFileName() + ": '" + name + "' is an ECS object");
                }
                if (SPELLED_ONE_WAY.containsKey(name)) {
                    found.add(source.getFileName() + ": '" + name + "' is spelled '" + SPELLED_ONE_WAY.get(name)
                            + "' elsewhere");
                }
            }
        }

        assertThat(found).isEmpty();
    }

    @Test
    void theScanSeesTheModulesLogLines() {
        // guards the test above against a path that finds nothing
        long keys = mainSources().stream().map(LogKeyNamesTest::read).mapToLong(text -> KEY.matcher(text).results()
                .count()).sum();

        assertThat(keys).isGreaterThan(100);
    }

    private static List<Path> mainSources() {
        Path root = Path.of("").toAbsolutePath().getParent();
        try (Stream<Path> modules = Files.list(root)) {
            List<Path> sources = new ArrayList<>();
            for (Path module : modules.filter(dir -> dir.getFileName().toString().startsWith("weft-")).toList()) {
                Path main = module.resolve("src/main/java");
                if (Files.isDirectory(main)) {
                    try (Stream<Path> files = Files.walk(main)) {
                        files.filter(file -> file.toString().endsWith(".java")).forEach(sources::add);
                    }
                }
            }
            return sources;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
