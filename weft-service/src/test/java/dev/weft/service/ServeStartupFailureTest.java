package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.cli.WeftCommand;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft serve} through the real command in a child JVM, when it cannot listen: it must exit with the
 * configuration code and one line naming the cause and the setting to change, never say it is listening.
 */
class ServeStartupFailureTest {
    @TempDir
    Path dir;

    @Test
    void aPortInUseExitsWithTheConfigCodeAndOneLineNamingTheFix() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();

            Result result = serve(Map.of("WEFT_PORT", Integer.toString(port)));

            assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
            assertThat(result.stdout()).as("nothing claims to listen").noneMatch(line -> line.contains("listening"));
            assertThat(result.humanLines()).as(result.toString()).containsExactly("weft: port " + port
                    + " is in use: choose another with --port or WEFT_PORT (port_in_use)");
            // found before any database work: the embedded database was not even created, let alone migrated
            assertThat(dir.resolve("data")).doesNotExist();
        }
    }

    @Test
    void anAddressNotOfThisMachineExitsWithTheConfigCodeAndNamesWeftBind() throws Exception {
        // TEST-NET-1 (RFC 5737): never assigned to a local interface
        Result result = serve(Map.of("WEFT_PORT", "0", "WEFT_BIND", "192.0.2.1"));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
        assertThat(result.humanLines()).as(result.toString()).singleElement().asString()
                .startsWith("weft: cannot listen on 192.0.2.1 (").endsWith("--bind or WEFT_BIND (cannot_listen)");
        assertThat(dir.resolve("data")).as("checked before any database work").doesNotExist();
    }

    @Test
    void aBadSettingThatOnlyAFeatureReadsEndsTheStartBeforeAnyDatabaseWork() throws Exception {
        // the job, event and provider settings were read only when the feature opened: after the migrations ran and
        // after a first start had stored an admin key it never printed
        for (Map<String, String> env : List.of(Map.of("WEFT_JOBS_POLL_MS", "7000"),
                Map.of("PROVIDER_URL", "http://127.0.0.1:9", "WEFT_HTTP_PROVIDER_MAX_RETRIES", "x"),
                Map.of("WEFT_LOCAL_PROVIDER_MS", "soon"))) {
            Result result = serve(env);

            assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
            assertThat(result.humanLines()).as(result.toString()).singleElement().asString().startsWith("weft: ");
            assertThat(dir.resolve("data")).as("nothing opened, migrated or generated: %s", env).doesNotExist();
        }
    }

    @Test
    void aSchemaANewerReleaseMigratedStopsTheStartNamingBothVersionsAndTheWayBack() throws Exception {
        // a newer release applied migration 10, then the rollout was rolled back to this build
        String data = dir.resolve("data").toString();
        assertThat(WeftCommand.run("migrate", "up", "--data-dir", data)).isZero();
        long newest;
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/weft.db"));
                Statement statement = connection.createStatement()) {
            try (var rows = statement.executeQuery("SELECT MAX(CAST(version AS INTEGER)) FROM weft_schema_migrations")) {
                rows.next();
                newest = rows.getLong(1);
            }
            statement.executeUpdate("INSERT INTO weft_schema_migrations SELECT '" + (newest + 1) + "', 'add_video_tags',"
                    + " description, checksum, state, applied_at, execution_ms, error_code, error_message"
                    + " FROM weft_schema_migrations WHERE version = '" + newest + "'");
        }

        Result result = serve(Map.of("WEFT_PORT", "0"));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.FAILED);
        assertThat(result.stdout()).as("nothing claims to listen").noneMatch(line -> line.contains("listening"));
        // not weft-db's advice for a lost migration file ("call repair(\"10\")"), which would hide the newer schema
        assertThat(result.humanLines()).as(result.toString()).containsExactly("weft: the database's schema is at"
                + " version " + (newest + 1) + " (add_video_tags), newer than this weft knows (up to " + newest
                + "): a newer release of weft migrated it. Run that release, or first move the schema back with it"
                + " (weft migrate to " + newest + "); nothing was changed (schema_ahead)");
    }

    @Test
    void anOtlpProtocolTheExporterCannotSpeakEndsTheStartInOneLineBeforeAnyDatabaseWork() throws Exception {
        // the SDK refuses http/json too, which the line offered; its own report came out as two plain-text lines of
        // java.util.logging among the JSON log lines; and the data directory was created first
        Result result = serve(Map.of("WEFT_PORT", "0", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
        assertThat(result.humanLines()).as(result.toString()).singleElement().asString()
                .startsWith("weft: ").contains("http/protobuf").contains("Unsupported OTLP traces protocol: http/json")
                .doesNotContain("or http/json");
        assertThat(dir.resolve("data")).as("nothing opened: %s", result).doesNotExist();
    }

    @Test
    void aSecondServiceOnTheSameSqliteDatabaseIsRefusedInOneLineWhileTheFirstRuns() throws Exception {
        // two services on one file would each answer from their own in-process caches what the other changed
        ServiceConfig config = ServiceConfig.defaults().withPort(0).withDataDir(dir.resolve("data"));
        try (WeftService first = WeftService.builder(config).jvmMetrics(false).build().start()) {
            Result result = serve(Map.of("WEFT_PORT", "0"));

            assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
            assertThat(result.humanLines()).as(result.toString()).singleElement().asString().startsWith("weft: ")
                    .contains("is served by another weft process (pid " + ProcessHandle.current().pid() + ")")
                    .contains("--data-dir or WEFT_DATA_DIR").endsWith("(database_in_use)");
            assertThat(first.port()).isPositive();
            // the commands that only open the database take no lock
            assertThat(WeftCommand.run("migrate", "status", "--data-dir", dir.resolve("data").toString())).isZero();
        }
        // released at the stop: the same directory serves again
        try (WeftService again = WeftService.builder(config).jvmMetrics(false).build().start()) {
            assertThat(again.port()).isPositive();
        }
    }

    private Result serve(Map<String, String> env) throws IOException, InterruptedException {
        Path stdout = dir.resolve("stdout.log");
        Path stderr = dir.resolve("stderr.log");
        Process process = ChildServe.start(dir, env);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("weft serve did not exit: " + Files.readString(stderr));
        }
        return new Result(process.exitValue(), Files.readAllLines(stdout), Files.readAllLines(stderr));
    }

    /** What the command left: its exit code, stdout, and stderr (log lines are JSON, the human line is not). */
    private record Result(int exit, List<String> stdout, List<String> stderr) {
        List<String> humanLines() {
            return stderr.stream().filter(line -> !line.startsWith("{")).toList();
        }
    }
}
