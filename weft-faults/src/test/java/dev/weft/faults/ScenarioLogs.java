package dev.weft.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a scenario's child logs (service, provider, databases) outlive the test: {@code target/faults-logs/<name>},
 * either as the scenario's working directory itself ({@link #fresh}) or as a copy of the {@code *.log} files of a
 * {@code @TempDir} that is deleted when the test ends ({@link #keep}).
 */
final class ScenarioLogs {
    private static final Path ROOT = Path.of("target", "faults-logs");

    private ScenarioLogs() {
    }

    /**
     * A working directory that outlives the test, emptied at the start of each run, so the last run's child logs and
     * data are there to read after a failure.
     *
     * @param name the scenario and variant, e.g. {@code ProviderFaultsScenario-smoke}
     * @return the emptied directory
     */
    static Path fresh(String name) {
        Path dir = ROOT.resolve(name).toAbsolutePath();
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

    /**
     * Copies the {@code *.log} files under {@code work} (any depth, the path flattened into the name) to
     * {@code target/faults-logs/<name>}.
     *
     * @param work the scenario's directory
     * @param name the directory's name under {@code target/faults-logs}, e.g. {@code DatabaseCrashScenario/smoke}
     */
    static void keep(Path work, String name) {
        Path target = ROOT.resolve(name);
        try (Stream<Path> files = Files.walk(work)) {
            Files.createDirectories(target);
            for (Path log : files.filter(path -> path.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(log, target.resolve(work.relativize(log).toString().replace('/', '_')),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
