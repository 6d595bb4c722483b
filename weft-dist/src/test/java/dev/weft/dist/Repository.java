package dev.weft.dist;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Where the repository's files are, and the one rule for a missing prerequisite (skip locally, fail in CI). */
final class Repository {
    private Repository() {
    }

    /** @return the repository's root (the tests run in weft-dist/) */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isRegularFile(here.resolve("mvnw")) ? here : here.getParent();
    }

    /**
     * Skips the test, or fails it under {@code CI=true}, where every prerequisite must be present.
     *
     * @param message what is missing and how to get it
     */
    static void require(boolean present, String message) {
        if (present) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message + "; CI=true requires it");
        }
        Assumptions.abort(message);
    }
}
