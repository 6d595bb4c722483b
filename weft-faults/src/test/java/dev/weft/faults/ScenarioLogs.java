package dev.weft.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A scenario's working directory that outlives the test: {@code target/faults-logs/<name>}, emptied at the start of
 * each run, so the last run's child logs (service, provider) and data are there to read after a failure.
 */
final class ScenarioLogs {
    private ScenarioLogs() {
    }

    /**
     * @param name the scenario and variant, e.g. {@code ProviderFaultsScenario-smoke}
     * @return the emptied directory
     */
    static Path fresh(String name) {
        Path dir = Path.of("target", "faults-logs", name).toAbsolutePath();
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println(name + ": logs in " + dir);
        return dir;
    }
}
