package dev.weft.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.ServiceClassPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tools print, through the real command in a child JVM that logs as {@code bin/weft} does: results for a
 * human on stdout, and no log lines unless {@code --verbose} asks for them (issue 23, item 3).
 */
@Timeout(120)
class CliOutputTest {
    @TempDir
    Path dir;

    @Test
    void migrateStatusPrintsItsTableAndNoLogLines() throws Exception {
        Result result = weft("migrate", "status", "--data-dir", dir.toString());

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.FAILED);
        assertThat(result.stdout()).as(result.toString()).isNotEmpty()
                .allMatch(line -> line.matches("\\d+ +\\w+ +PENDING *"));
        // no database there yet: one line says so (a mistyped --data-dir shows), and no log line
        assertThat(result.stderr()).as(result.toString()).singleElement().asString().startsWith("weft: ")
                .contains("weft.db does not exist yet");
    }

    @Test
    void verboseBringsTheInfoLogsBack() throws Exception {
        Result result = weft("migrate", "up", "-v", "--data-dir", dir.toString());

        assertThat(result.stderr()).as(result.toString()).anyMatch(line -> line.contains("database opened"));
        assertThat(result.stdout()).as(result.toString()).noneMatch(line -> line.startsWith("{"));
    }

    @Test
    void usersImportPrintsKeysOnStdoutAndOnlyItsSummaryOnStderr() throws Exception {
        Path csv = dir.resolve("users.csv");
        Files.writeString(csv, "email,username,full_name\nada@example.com,ada,\"Ada\nLovelace\"\n"
                + "bob@example.com,bob,\n", StandardCharsets.UTF_8);

        Result result = weft("users", "import", csv.toString(), "--data-dir", dir.resolve("data").toString());

        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).as(result.toString()).hasSize(2)
                .allMatch(line -> line.matches("(ada|bob)@example\\.com,\\S+"));
        assertThat(result.stderr()).as(result.toString()).containsExactly("weft: imported 2, rejected 0");
    }

    @Test
    void anUnknownColumnIsReportedOnceNamingTheAllowedOnes() throws Exception {
        Path csv = dir.resolve("users.csv");
        Files.writeString(csv, "email,username,role\nada@example.com,ada,admin\nbob@example.com,bob,admin\n",
                StandardCharsets.UTF_8);

        Result result = weft("users", "import", csv.toString(), "--data-dir", dir.resolve("data").toString());

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.USAGE);
        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr()).as(result.toString()).containsExactly("weft: " + csv + ": unknown column 'role'"
                + " in the header; the columns are email (required), username (required), full_name, credits"
                + " (see weft users import --help)");
    }

    @Test
    void bareOptionsGoToServe() throws Exception {
        // an invalid port stops serve at once, so the test need not start a server to see who got the option
        Result result = weft("--port", "eighty", "--data-dir", dir.toString());

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.USAGE);
        assertThat(result.stderr()).as(result.toString()).anyMatch(line -> line.contains("--port"))
                .contains("Try 'weft serve --help' for more information.")
                .noneMatch(line -> line.contains("Unknown option"));
    }

    @Test
    void aBadFlagIsAFewLinesNotTheWholeHelp() throws Exception {
        Result result = weft("serve", "--prot");

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.USAGE);
        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr()).as(result.toString()).hasSizeLessThan(6)
                .anyMatch(line -> line.startsWith("weft: Unknown option") && line.contains("--prot"))
                .noneMatch(line -> line.startsWith("Usage:"))
                .endsWith("Try 'weft serve --help' for more information.");
    }

    @Test
    void versionIsTheBuildsNotAFixedString() throws Exception {
        Result result = weft("--version");

        dev.weft.service.BuildInfo build = dev.weft.service.BuildInfo.current();
        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.stdout()).as(result.toString()).singleElement().asString()
                .startsWith("weft " + build.version() + " (commit " + build.commitShort());
    }

    @Test
    void theProvidersLogLinesAreJsonLikeTheServices() throws Exception {
        java.nio.file.Path stderr = dir.resolve("provider-stderr.log");
        Process process = weftProcess(java.util.Map.of(), "provider", "--port", "0").redirectError(stderr.toFile())
                .start();
        try {
            java.io.BufferedReader stdout = new java.io.BufferedReader(new java.io.InputStreamReader(
                    process.getInputStream(), StandardCharsets.UTF_8));
            assertThat(stdout.readLine()).startsWith("weft provider: listening on http://127.0.0.1:");
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

            // Helidon's start-up records came through java.util.logging as plain two-line text
            assertThat(java.nio.file.Files.readAllLines(stderr)).isNotEmpty().allMatch(line -> line.startsWith("{"));
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aCommandOnADatabaseServerThatCannotBeReachedNamesItAsServeDoes() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        for (List<String> command : List.of(List.of("migrate", "status"), List.of("webhooks", "list"))) {
            Result result = weftWith(java.util.Map.of("DATABASE_URL", "postgresql://postgres@127.0.0.1:" + closed
                    + "/test"), command.toArray(String[]::new));

            // it said "database 'primary' is down since 1 ms ... failing at once" after a log line, exit 1
            assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.DATABASE_UNAVAILABLE);
            assertThat(result.stderr()).as(result.toString()).filteredOn(line -> !line.startsWith("{"))
                    .containsExactly("weft: database 'primary': connection refused by 127.0.0.1:" + closed
                            + ": is the server running, and on that port? (connection_refused)");
        }
    }

    /** Runs {@code weft} with these arguments in a child JVM, as bin/weft does, and returns what it printed. */
    static Result weft(String... args) throws IOException, InterruptedException {
        return weftWith(java.util.Map.of(), args);
    }

    /** As {@link #weft}, with these environment variables set. */
    static Result weftWith(java.util.Map<String, String> env, String... args) throws IOException,
            InterruptedException {
        Process process = weftProcess(env, args).start();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String stdout = read(process.getInputStream());
        assertThat(process.waitFor(100, TimeUnit.SECONDS)).as("exits by itself").isTrue();
        return new Result(process.exitValue(), stdout.lines().toList(), stderr.join().lines().toList());
    }

    /** {@code weft} with these arguments in a child JVM, as bin/weft runs it, no input, weft's own settings unset. */
    private static ProcessBuilder weftProcess(java.util.Map<String, String> env, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Xmx256m", "-cp", ServiceClassPath.withoutTestLogging(), "dev.weft.service.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null")));
        builder.environment().keySet().removeIf(name -> name.startsWith("WEFT_") || name.startsWith("DATABASE_")
                || name.startsWith("REDIS_"));
        builder.environment().putAll(env);
        return builder;
    }

    private static String read(java.io.InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What a child {@code weft} did. @param exit its exit code @param stdout its lines @param stderr its lines */
    record Result(int exit, List<String> stdout, List<String> stderr) {
    }
}
