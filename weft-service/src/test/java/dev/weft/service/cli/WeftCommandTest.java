package dev.weft.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.ServiceConfig;
import dev.weft.service.WeftService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code weft} command's subcommands and exit codes, on an embedded SQLite database. */
class WeftCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpExitsZeroAndBadUsageTwo() {
        assertThat(WeftCommand.run("--help")).isZero();
        assertThat(WeftCommand.run("serve", "--help")).isZero();
        assertThat(WeftCommand.run("migrate", "--help")).isZero();
        assertThat(WeftCommand.run("users", "import", "--help")).isZero();
        assertThat(WeftCommand.run("--no-such-flag")).isEqualTo(WeftCommand.USAGE);
        assertThat(WeftCommand.run()).isEqualTo(WeftCommand.USAGE);
    }

    @Test
    void argumentsOutOfTheirRangeAreBadUsageCheckedBeforeTheDatabaseIsOpened() {
        String data = dir.resolve("never").toString();

        // these reached the database (creating it) and ended as a Java exception's class and message, exit 1 or 3
        assertThat(WeftCommand.run("migrate", "to", "abc", "--data-dir", data)).isEqualTo(WeftCommand.USAGE);
        assertThat(WeftCommand.run("migrate", "rollback", "--steps", "0", "--data-dir", data))
                .isEqualTo(WeftCommand.USAGE);
        assertThat(WeftCommand.run("health", "--timeout", "-1", "http://127.0.0.1:9")).isEqualTo(WeftCommand.USAGE);
        assertThat(dir.resolve("never")).doesNotExist();
    }

    @Test
    void plainServeSkipsTheParserButFailsLikeAnyCommandOnBadConfig() throws Exception {
        // `weft serve` without flags takes the fast path (no picocli model); its errors must read the same
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "dev.weft.service.Main", "serve").redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("WEFT_") || name.startsWith("DATABASE_"));
        builder.environment().put("WEFT_DATA_DIR", dir.toString());
        builder.environment().put("WEFT_PORT", "eighty");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor()).as(output).isEqualTo(WeftCommand.CONFIG);
        assertThat(output).contains("weft: ", "WEFT_PORT");
    }

    @Test
    void serveRefusesTheExamplesAdminKeyInOneLineWithoutShowingIt() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "dev.weft.service.Main", "serve").redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("WEFT_") || name.startsWith("DATABASE_"));
        builder.environment().put("WEFT_DATA_DIR", dir.toString());
        builder.environment().put("WEFT_ADMIN_KEY", "change-me-to-a-long-random-key");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor()).as(output).isEqualTo(WeftCommand.CONFIG);
        assertThat(output.strip()).startsWith("weft: ").contains("WEFT_ADMIN_KEY", "at least 16 characters")
                .doesNotContain("change-me-to-a-long-random-key").doesNotContain("\n");
    }

    @Test
    void migrateReportsPendingThenAppliesAndRollsBack() {
        String data = dir.toString();

        assertThat(WeftCommand.run("migrate", "status", "--data-dir", data)).isEqualTo(WeftCommand.FAILED);
        assertThat(WeftCommand.run("migrate", "up", "--data-dir", data)).isZero();
        assertThat(WeftCommand.run("migrate", "--data-dir", data)).isZero();
        assertThat(WeftCommand.run("migrate", "rollback", "--steps", "1", "--yes", "--data-dir", data)).isZero();
        assertThat(WeftCommand.run("migrate", "status", "--data-dir", data)).isEqualTo(WeftCommand.FAILED);
        assertThat(WeftCommand.run("migrate", "to", "1", "-y", "--data-dir", data)).isZero();
        assertThat(WeftCommand.run("migrate", "to", "999", "--data-dir", data)).isNotZero();
    }

    @Test
    void rollbackAndMigrateDownRefuseWithoutATerminalUnlessYes() {
        String data = dir.toString();
        assertThat(WeftCommand.run("migrate", "up", "--data-dir", data)).isZero();

        // the test JVM's stdin is a pipe, as in a script or CI: no console to ask on
        int rollback = WeftCommand.run("migrate", "rollback", "--data-dir", data);
        int down = WeftCommand.run("migrate", "to", "1", "--data-dir", data);

        assertThat(rollback).isEqualTo(WeftCommand.USAGE);
        assertThat(down).isEqualTo(WeftCommand.USAGE);
        assertThat(WeftCommand.run("migrate", "status", "--data-dir", data)).as("nothing rolled back").isZero();
        assertThat(WeftCommand.run("migrate", "to", "999", "--data-dir", data)).as("unknown version: nothing to ask")
                .isNotZero();
    }

    @Test
    void theQuestionProceedsOnlyOnYes() {
        java.io.StringWriter shown = new java.io.StringWriter();
        java.io.PrintWriter out = new java.io.PrintWriter(shown);

        assertThat(Confirmation.ask("drops t", () -> " Y ", out)).isEqualTo(Confirmation.Decision.PROCEED);
        assertThat(Confirmation.ask("drops t", () -> "yes", out)).isEqualTo(Confirmation.Decision.PROCEED);
        assertThat(Confirmation.ask("drops t", () -> "", out)).isEqualTo(Confirmation.Decision.DECLINED);
        assertThat(Confirmation.ask("drops t", () -> "nope", out)).isEqualTo(Confirmation.Decision.DECLINED);
        assertThat(Confirmation.ask("drops t", () -> null, out)).as("end of input")
                .isEqualTo(Confirmation.Decision.DECLINED);
        assertThat(Confirmation.ask("drops t", true)).as("--yes").isEqualTo(Confirmation.Decision.PROCEED);
        assertThat(shown.toString()).contains("drops t");
    }

    @Test
    void bareOptionsOfServeGetServePutInFront() {
        picocli.CommandLine line = new picocli.CommandLine(new WeftCommand());

        assertThat(WeftCommand.bareOptionsToServe(line, new String[] {"--port", "18181"}))
                .containsExactly("serve", "--port", "18181");
        assertThat(WeftCommand.bareOptionsToServe(line, new String[] {"--bind=0.0.0.0"}))
                .containsExactly("serve", "--bind=0.0.0.0");
        assertThat(WeftCommand.bareOptionsToServe(line, new String[] {"--help"})).containsExactly("--help");
        assertThat(WeftCommand.bareOptionsToServe(line, new String[] {"--no-such-flag"}))
                .containsExactly("--no-such-flag");
        assertThat(WeftCommand.bareOptionsToServe(line, new String[] {"migrate", "--data-dir", "x"}))
                .containsExactly("migrate", "--data-dir", "x");
    }

    @Test
    void healthIsZeroForAReadyServiceAndNonZeroOtherwise() throws IOException {
        try (WeftService service = WeftService.builder(ServiceConfig.defaults().withPort(0).withDataDir(dir))
                .jvmMetrics(false).build().start()) {
            assertThat(WeftCommand.run("health", "http://127.0.0.1:" + service.port())).isZero();
        }
        // a port held bound but not listening: refused, and no other process can listen on it meanwhile
        try (Socket held = new Socket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertThat(WeftCommand.run("health", "http://127.0.0.1:" + held.getLocalPort(), "--timeout", "2"))
                    .isEqualTo(WeftCommand.CONFIG);
        }
        assertThat(WeftCommand.run("health", "not a url")).isEqualTo(WeftCommand.USAGE);
    }

    @Test
    void healthPrintsANotReadyAnswerAndExitsOneAndGivesUpOnAServiceThatNeverAnswers() throws IOException {
        com.sun.net.httpserver.HttpServer notReady = com.sun.net.httpserver.HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        notReady.createContext("/", exchange -> {
            byte[] body = "{\"status\":\"DOWN\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/health/ready") ? 503 : 404,
                    body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        notReady.start();
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            int code = HealthProbe.check("http://127.0.0.1:" + notReady.getAddress().getPort(),
                    java.time.Duration.ofSeconds(5), new java.io.PrintStream(out, true), new java.io.PrintStream(err));
            assertThat(code).isEqualTo(WeftCommand.FAILED);
            assertThat(out.toString()).isEqualTo("503 {\"status\":\"DOWN\"}" + System.lineSeparator());
            assertThat(err.toString()).isEmpty();
        } finally {
            notReady.stop(0);
        }
        // listening, never answering: the connect succeeds (the kernel's backlog), the read gives up at the timeout
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            long started = System.nanoTime();
            int code = HealthProbe.check("http://127.0.0.1:" + silent.getLocalPort(), java.time.Duration.ofSeconds(1),
                    new java.io.PrintStream(new java.io.ByteArrayOutputStream()), new java.io.PrintStream(err, true));
            assertThat(code).isEqualTo(WeftCommand.CONFIG);
            assertThat(err.toString()).contains("is unreachable: no answer in time");
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(
                    java.time.Duration.ofSeconds(10));
        }
        // answering a byte at a time: each read is quick, the check as a whole is not, and the timeout bounds it
        try (java.net.ServerSocket dripping = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket client = dripping.accept()) {
                    for (byte b : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".getBytes(
                            java.nio.charset.StandardCharsets.US_ASCII)) {
                        client.getOutputStream().write(b);
                        client.getOutputStream().flush();
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException ignored) {
                    // the check hung up at its deadline
                }
            });
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            long started = System.nanoTime();
            int code = HealthProbe.check("http://127.0.0.1:" + dripping.getLocalPort(),
                    java.time.Duration.ofSeconds(1), new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                    new java.io.PrintStream(err, true));
            assertThat(code).isEqualTo(WeftCommand.CONFIG);
            assertThat(err.toString()).contains("is unreachable: no answer in time");
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(
                    java.time.Duration.ofSeconds(5));
        }
        assertThat(WeftCommand.run("health", "ftp://127.0.0.1:21")).isEqualTo(WeftCommand.USAGE);
        assertThat(WeftCommand.run("health", "http://127.0.0.1:99999")).isEqualTo(WeftCommand.USAGE);
    }

    @Test
    void healthAsksTheReadinessUrlUnderTheBaseGivenWithOrWithoutAPrefix() {
        assertThat(HealthProbe.readinessUri(URI.create("http://127.0.0.1:8080")))
                .hasToString("http://127.0.0.1:8080/health/ready");
        assertThat(HealthProbe.readinessUri(URI.create("http://127.0.0.1:8080/")))
                .hasToString("http://127.0.0.1:8080/health/ready");
        assertThat(HealthProbe.readinessUri(URI.create("https://example.test/weft")))
                .hasToString("https://example.test/weft/health/ready");
        assertThat(HealthProbe.readinessUri(URI.create("https://example.test/weft/")))
                .hasToString("https://example.test/weft/health/ready");
        assertThat(HealthProbe.readinessUri(URI.create("http://h:1/weft/health/live")))
                .hasToString("http://h:1/weft/health/live");
        assertThat(HealthProbe.readinessUri(URI.create("http://h:1/health")))
                .hasToString("http://h:1/health");
    }

    @Test
    void migrateStatusOnAFreshDirectoryListsPendingAndCreatesNothing() {
        Path data = dir.resolve("fresh");
        PrintStream before = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = WeftCommand.run("migrate", "status", "--data-dir", data.toString());
        } finally {
            System.setOut(before);
        }
        assertThat(status).isEqualTo(WeftCommand.FAILED);
        assertThat(data).doesNotExist();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("create_users", "PENDING")
                .doesNotContain("APPLIED");
        // and the same versions as a database that exists
        assertThat(WeftCommand.run("migrate", "up", "--data-dir", data.toString())).isZero();
        assertThat(WeftCommand.run("migrate", "status", "--data-dir", data.toString())).isZero();
    }

    @Test
    void healthReadsTheBodyInTheCharsetItsContentTypeNames() {
        assertThat(HealthProbe.charset("text/plain; charset=ISO-8859-1")).isEqualTo(
                java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(HealthProbe.charset("application/json;CHARSET=\"utf-16\"")).isEqualTo(
                java.nio.charset.StandardCharsets.UTF_16);
        assertThat(HealthProbe.charset("application/json")).isEqualTo(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(HealthProbe.charset("text/plain; charset=no-such-charset")).isEqualTo(
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(HealthProbe.charset(null)).isEqualTo(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void saysWhyTheServiceIsUnreachableInWordsNotClassNames() {
        assertThat(HealthProbe.unreachableReason(new java.net.ConnectException()))
                .isEqualTo("connection refused (is the service running on that port?)");
        assertThat(HealthProbe.unreachableReason(new java.net.SocketTimeoutException("Read timed out")))
                .isEqualTo("no answer in time");
        assertThat(HealthProbe.unreachableReason(new IOException()))
                .isEqualTo("the connection failed").doesNotContain("Exception");
    }

    @Test
    void importsCsvAndNdjsonAndReportsRejectedRows() throws IOException {
        Path csv = dir.resolve("users.csv");
        Files.writeString(csv, "email,username,full_name,credits\n"
                + "ada@example.com,ada,\"Lovelace, Ada\",10\n"
                + "not-an-email,bob,,\n"
                + "cy@example.com,cy,,abc\n"
                + "ADA@example.com,ada2,,\n"
                + "dee@example.com,dee,,5\n", StandardCharsets.UTF_8);
        Path ndjson = dir.resolve("more.ndjson");
        Files.writeString(ndjson, "{\"email\":\"eve@example.com\",\"username\":\"eve\"}\n"
                + "{\"email\":\"dee@example.com\",\"username\":\"dee9\"}\n"
                + "{\"email\":\"fay@example.com\",\"username\":\"fay\",\"role\":\"admin\"}\n", StandardCharsets.UTF_8);
        String data = dir.resolve("data").toString();

        int csvCode = WeftCommand.run("users", "import", csv.toString(), "--data-dir", data);
        int ndjsonCode = WeftCommand.run("users", "import", ndjson.toString(), "--data-dir", data);
        int clean = WeftCommand.run("users", "import", writeOne(), "--data-dir", data);

        assertThat(csvCode).isEqualTo(WeftCommand.FAILED);
        assertThat(ndjsonCode).isEqualTo(WeftCommand.FAILED);
        assertThat(clean).isZero();
        try (var context = dev.weft.service.ServiceContext.open(ServiceConfig.defaults().withDataDir(Path.of(data)),
                java.time.Clock.systemUTC(), java.util.List.of(), false)) {
            assertThat(context.users().count(null)).isEqualTo(4);
            assertThat(context.users().getByEmail("ada@example.com").orElseThrow().fullName())
                    .isEqualTo("Lovelace, Ada");
            assertThat(context.users().getByEmail("ada@example.com").orElseThrow().credits()).isEqualTo(10);
        }
        assertThat(WeftCommand.run("users", "import", dir.resolve("missing.csv").toString(), "--data-dir", data))
                .isEqualTo(WeftCommand.CONFIG);
        // Latin-1, not UTF-8: a bad file, exit 2 (it was exit 3 and "failed: Input length = 1")
        Path latin1 = dir.resolve("latin1.csv");
        Files.write(latin1, "email,username,full_name\nzoe@example.com,zoe,Zo\u00eb\n".getBytes(
                StandardCharsets.ISO_8859_1));
        assertThat(WeftCommand.run("users", "import", latin1.toString(), "--data-dir", data))
                .isEqualTo(WeftCommand.USAGE);
    }

    @Test
    void importsQuotedMultiLineFieldsAndCrlfLines() throws IOException {
        Path csv = dir.resolve("multi.csv");
        Files.writeString(csv, "\uFEFFEmail, username ,full_name\r\n"
                + "ada@example.com,ada,\"Ada \"\"Countess\"\"\r\nLovelace\"\r\n"
                + "\r\n"
                + "bob@example.com,bob,\n", StandardCharsets.UTF_8);
        String data = dir.resolve("data").toString();

        int code = WeftCommand.run("users", "import", csv.toString(), "--data-dir", data);

        assertThat(code).isZero();
        try (var context = dev.weft.service.ServiceContext.open(ServiceConfig.defaults().withDataDir(Path.of(data)),
                java.time.Clock.systemUTC(), java.util.List.of(), false)) {
            assertThat(context.users().getByEmail("ada@example.com").orElseThrow().fullName())
                    .isEqualTo("Ada \"Countess\"\r\nLovelace");
            assertThat(context.users().getByEmail("bob@example.com").orElseThrow().fullName()).isNull();
        }
    }

    @Test
    void importsFromStandardInputAndFromAPipeWhichCanBeReadOnlyOnce() throws Exception {
        // the import reads its input twice (check, then rows): a pipe was found empty the second time, so
        // `cat users.csv | weft users import /dev/stdin` said "imported 0, rejected 0" and exited 0
        String data = dir.resolve("data").toString();
        java.io.InputStream stdin = System.in;
        try {
            String csv = "email,username\r\nada@example.com,ada\r\nbob@example.com,bob\r\n";
            System.setIn(new java.io.ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)));
            assertThat(WeftCommand.run("users", "import", "-", "--data-dir", data)).isZero();
        } finally {
            System.setIn(stdin);
        }
        Path fifo = dir.resolve("users-pipe");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                Files.writeString(fifo, "{\"email\":\"cy@example.com\",\"username\":\"cyd\"}\n",
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        int code = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> WeftCommand.run("users", "import", fifo.toString(), "--data-dir", data));
        writer.join(5_000);

        assertThat(code).isZero();
        try (var context = dev.weft.service.ServiceContext.open(ServiceConfig.defaults().withDataDir(Path.of(data)),
                java.time.Clock.systemUTC(), java.util.List.of(), false)) {
            assertThat(context.users().count(null)).isEqualTo(3);
            assertThat(context.users().getByEmail("cy@example.com")).isPresent();
        }
    }

    @Test
    void anUnknownHeaderColumnStopsTheImportBeforeAnyRow() throws IOException {
        Path csv = dir.resolve("role.csv");
        Files.writeString(csv, "email,username,role\nada@example.com,ada,admin\nbob@example.com,bob,admin\n",
                StandardCharsets.UTF_8);
        Path data = dir.resolve("data");

        int code = WeftCommand.run("users", "import", csv.toString(), "--data-dir", data.toString());

        assertThat(code).isEqualTo(WeftCommand.USAGE);
        assertThat(data).as("the database was not even opened").doesNotExist();
    }

    @Test
    void headersAreCheckedForTheRequiredColumnsAndRepeats() {
        assertThat(UserColumns.parse(java.util.List.of("email", "username", "credits")).refusal()).isNull();
        assertThat(UserColumns.parse(java.util.List.of("email", "role")).refusal())
                .isEqualTo("unknown column 'role' in the header; the columns are email (required), username"
                        + " (required), full_name, credits (see weft users import --help)");
        assertThat(UserColumns.parse(java.util.List.of("email", "full_name")).refusal())
                .startsWith("the header lacks the required column username;");
        assertThat(UserColumns.parse(java.util.List.of("email", "username", "EMAIL")).refusal())
                .isEqualTo("column 'email' appears twice in the header");
    }

    @Test
    void aFileThatIsNotCsvStopsTheImportBeforeAnyRow() throws IOException {
        Path csv = dir.resolve("open-quote.csv");
        Files.writeString(csv, "email,username\nada@example.com,ada\nbob@example.com,\"bob\n",
                StandardCharsets.UTF_8);
        Path data = dir.resolve("data");

        int code = WeftCommand.run("users", "import", csv.toString(), "--data-dir", data.toString());

        assertThat(code).isEqualTo(WeftCommand.USAGE);
        assertThat(data).doesNotExist();
    }

    @Test
    void withoutATerminalProgressIsAPlainLineEveryTenSeconds() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        ImportProgress progress = new ImportProgress.Plain(1000, new java.io.PrintStream(bytes, true,
                StandardCharsets.UTF_8), now::get);

        now.set(java.time.Duration.ofSeconds(5).toNanos());
        progress.update(100, 0);
        now.set(java.time.Duration.ofSeconds(10).toNanos());
        progress.update(250, 40);
        now.set(java.time.Duration.ofSeconds(12).toNanos());
        progress.update(300, 40);

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "weft: read 250 of 1000 rows (25 %, 40 rejected so far), 25 rows/s, about 30s left\n");
    }

    private String writeOne() throws IOException {
        Path file = dir.resolve("one.jsonl");
        Files.writeString(file, "{\"email\":\"gus@example.com\",\"username\":\"gus\"}\n", StandardCharsets.UTF_8);
        return file.toString();
    }
}
