package dev.weft.service.settings;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's root from the test's working directory (a module directory under Maven). */
public final class Repository {
    private Repository() {
    }

    /** @return the directory holding mvnw and docs/ */
    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }
}
