package dev.weft.faults;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scenario whose children (service, provider, databases) work in a fresh temporary directory, {@link #work}, whose
 * logs are kept after each test under {@code target/faults-logs/<scenario class>/<test method>}
 * ({@link ScenarioLogs#keep}).
 */
abstract class TempDirScenario {
    @TempDir
    Path work;

    @AfterEach
    void keepLogs(TestInfo test) {
        ScenarioLogs.keep(work, getClass().getSimpleName() + "/" + test.getTestMethod().orElseThrow().getName());
    }
}
