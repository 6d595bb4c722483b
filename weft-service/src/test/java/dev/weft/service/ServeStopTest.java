package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code weft serve} in a child JVM stopped by a signal, as an orchestrator, a supervisor or Ctrl-C stops it: the stop
 * runs whole (its log ends with the stop's last line, each line ECS JSON) and the process exits as every JVM service
 * does after one (Spring Boot, Quarkus, Helidon): 128 + the signal, 143 after SIGTERM and 130 after SIGINT, which
 * systemd units from that world accept with {@code SuccessExitStatus=143}.
 */
class ServeStopTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void aSignalStopsTheServiceWholeAndItExitsAsAJvmDoes(String signal) throws Exception {
        int port = ChildServe.freePort();
        Process process = ChildServe.start(dir, Map.of("WEFT_PORT", Integer.toString(port)));
        try {
            ChildServe.awaitLive(process, port);

            assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor())
                    .isZero();

            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within the grace").isTrue();
            List<String> lines = Files.readAllLines(dir.resolve("stderr.log"));
            assertThat(process.exitValue()).as(String.join("\n", lines)).isEqualTo(signal.equals("TERM") ? 143 : 130);
            assertThat(JSON.readTree(lines.getLast()).path("message").asText()).isEqualTo("weft service stopped");
            for (String line : lines) {
                assertThat(JSON.readTree(line).has("@timestamp")).as(line).isTrue();
            }
        } finally {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
