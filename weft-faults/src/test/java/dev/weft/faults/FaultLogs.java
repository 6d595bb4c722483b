package dev.weft.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Keeps the logs of a scenario's last run (service, provider, database) under
 * {@code weft-faults/target/faults-logs/<scenario>}, since its {@code @TempDir} is deleted when it ends.
 */
final class FaultLogs {
    private FaultLogs() {
    }

    /**
     * @param work the scenario's directory
     * @param scenario the directory's name under {@code target/faults-logs}
     */
    static void keep(Path work, String scenario) {
        Path target = Path.of("target", "faults-logs", scenario);
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
