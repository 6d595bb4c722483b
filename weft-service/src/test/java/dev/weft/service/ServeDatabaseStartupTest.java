package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.cli.WeftCommand;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code weft serve} through the real command in a child JVM, when its database cannot be used (issue 23): each
 * failed connect is printed at once as one line naming the root cause and the fix; a cause that may pass is retried
 * for {@code WEFT_DB_STARTUP_WAIT} and ends with exit 4, one that cannot ends the start at once with exit 3. Against
 * the shared PostgreSQL and MariaDB on loopback.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServeDatabaseStartupTest {
    private static final String MARIADB_ADMIN = "jdbc:mariadb://127.0.0.1:3306/test?user=root";

    @TempDir
    Path dir;

    @Test
    void aRefusedPortIsPrintedAtEachAttemptThenEndsWithTheDatabaseCode() throws Exception {
        int port = ChildServe.freePort();

        Result result = serve(Map.of("DATABASE_URL", "postgresql://postgres@127.0.0.1:" + port + "/test",
                "WEFT_DB_STARTUP_WAIT", "2"));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.DATABASE_UNAVAILABLE);
        List<String> lines = result.humanLines();
        assertThat(lines).as(result.toString()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(lines.getFirst()).startsWith("weft: waiting for the database: connection refused by 127.0.0.1:"
                + port + ": is the server running, and on that port? (connection_refused; trying again for up to ");
        assertThat(lines.getLast()).startsWith("weft: database 'primary': connection refused by 127.0.0.1:" + port)
                .endsWith("(connection_refused)");
    }

    @Test
    void anUnknownHostIsRetriedAndNamed() throws Exception {
        Result result = serve(Map.of("DATABASE_URL", "postgresql://postgres@nonexistent.invalid:5432/test",
                "WEFT_DB_STARTUP_WAIT", "1"));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.DATABASE_UNAVAILABLE);
        assertThat(result.humanLines()).as(result.toString()).last().asString()
                .startsWith("weft: database 'primary': unknown host nonexistent.invalid: check the host name")
                .endsWith("(unknown_host)");
    }

    @Test
    void aDatabaseThatDoesNotExistOnPostgresqlEndsTheStartAtOnce() throws Exception {
        Result result = serve(Map.of("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/weft_missing_"
                + suffix()));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
        assertThat(result.humanLines()).as(result.toString()).singleElement().asString()
                .matches("weft: database 'primary': database 'weft_missing_\\w+' does not exist on 127.0.0.1:5432:"
                        + " create it \\(createdb weft_missing_\\w+\\) or fix the name .*\\(database_not_found\\)");
    }

    @Test
    void aDatabaseThatDoesNotExistOnMariadbEndsTheStartAtOnce() throws Exception {
        Result result = serve(Map.of("DATABASE_URL", "mariadb://root@127.0.0.1:3306/weft_missing_" + suffix()));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
        assertThat(result.humanLines()).as(result.toString()).singleElement().asString()
                .matches("weft: database 'primary': database 'weft_missing_\\w+' does not exist on 127.0.0.1:3306:"
                        + " create it \\(CREATE DATABASE weft_missing_\\w+\\) .*\\(database_not_found\\)");
    }

    @Test
    void aWrongPasswordOnMariadbEndsTheStartAtOnceWithoutShowingThePassword() throws Exception {
        String user = "weft_pw_" + suffix();
        try (Connection admin = DriverManager.getConnection(MARIADB_ADMIN);
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'right-password'");
            statement.execute("CREATE USER '" + user + "'@'localhost' IDENTIFIED BY 'right-password'");
            try {
                Result result = serve(Map.of("DATABASE_URL", "mariadb://" + user
                        + ":Wr0ngSecret@127.0.0.1:3306/test"));

                assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
                assertThat(result.humanLines()).as(result.toString()).singleElement().asString()
                        .isEqualTo("weft: database 'primary': authentication failed for user '" + user
                                + "' on 127.0.0.1:3306: check the user and password in the database URL (DATABASE_URL,"
                                + " or DATABASE_USER and DATABASE_PASSWORD) (authentication_failed)");
                assertThat(result.stderr()).noneMatch(line -> line.contains("Wr0ngSecret"));
            } finally {
                statement.execute("DROP USER IF EXISTS '" + user + "'@'%'");
                statement.execute("DROP USER IF EXISTS '" + user + "'@'localhost'");
            }
        }
    }

    /** Root may write anywhere, so the directory is made impossible: a regular file stands in its path (ENOTDIR). */
    @Test
    void aDataDirectoryThatCannotBeCreatedEndsTheStartAtOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");

        Result result = serve(Map.of("WEFT_DATA_DIR", file.resolve("data").toString()));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
        assertThat(result.humanLines()).as(result.toString()).containsExactly("weft: data directory "
                + file.resolve("data") + " cannot be created (" + file + " is a file, not a directory): choose another"
                + " with --data-dir or WEFT_DATA_DIR (directory_not_writable)");
    }

    @Test
    void aSqliteUrlInADirectoryThatCannotBeCreatedEndsTheStartAtOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");

        Result result = serve(Map.of("DATABASE_URL", "sqlite:" + file.resolve("sub/weft.db")));

        assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.CONFIG);
        assertThat(result.humanLines()).as(result.toString()).containsExactly("weft: database 'primary': directory "
                + file.resolve("sub") + " cannot be created (" + file + " is a file, not a directory): choose another"
                + " path for the SQLite file in the database URL (DATABASE_URL) (directory_not_writable)");
    }

    @Test
    void aSqliteFileLockedByAnotherProcessIsNamed() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("weft.db"));
                Statement statement = holder.createStatement()) {
            statement.execute("BEGIN IMMEDIATE"); // the write lock, held until the end of the test

            Result result = serve(Map.of("WEFT_DATA_DIR", data.toString(), "WEFT_DB_STARTUP_WAIT", "1"));

            assertThat(result.exit()).as(result.toString()).isEqualTo(WeftCommand.DATABASE_UNAVAILABLE);
            assertThat(result.humanLines()).as(result.toString()).last().asString()
                    .startsWith("weft: database 'primary': the database file " + data.resolve("weft.db")
                            + " is locked by another process").endsWith("(database_locked)");
            statement.execute("ROLLBACK");
        }
    }

    /** mysql:// is MySQL Connector/J with the MySQL dialect (here against MariaDB); mariadb:// MariaDB's own. */
    @ParameterizedTest
    @ValueSource(strings = {"mysql", "mariadb"})
    void servesOnAMysqlOrMariadbUrl(String scheme) throws Exception {
        String database = "weft_url_" + suffix();
        try (Connection admin = DriverManager.getConnection(MARIADB_ADMIN);
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + database + " CHARACTER SET utf8mb4");
            try {
                Map<String, String> env = Map.of("DATABASE_URL", scheme + "://root@127.0.0.1:3306/" + database,
                        "WEFT_PORT", "0");
                Process process = start(env);
                try {
                    int port = awaitListening(process);

                    HttpResponse<String> ready = get(port, "/health/ready");

                    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                    // a server database without Redis: the operator is told what several instances would not share
                    assertThat(Files.readString(dir.resolve("stderr.log"))).contains("no redis: caches, rate limits"
                            + " and key revocations are this instance's own");
                } finally {
                    process.destroy();
                    if (!process.waitFor(30, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                }
            } finally {
                statement.execute("DROP DATABASE IF EXISTS " + database);
            }
        }
    }

    private int awaitListening(Process process) throws Exception {
        Pattern listening = Pattern.compile("listening on http://[^:]+:(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(dir.resolve("stdout.log"))) {
                Matcher matcher = listening.matcher(line);
                if (matcher.find()) {
                    return Integer.parseInt(matcher.group(1));
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("weft serve exited " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("stderr.log")));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("weft serve did not listen: " + Files.readString(dir.resolve("stderr.log")));
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static String suffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    private Process start(Map<String, String> env) throws IOException {
        Map<String, String> all = new HashMap<>(Map.of("WEFT_DATA_DIR", dir.resolve("weft-data").toString(),
                "WEFT_PORT", "0"));
        all.putAll(env);
        return ChildServe.start(dir, all);
    }

    private Result serve(Map<String, String> env) throws IOException, InterruptedException {
        Process process = start(env);
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("weft serve did not exit: " + Files.readString(dir.resolve("stderr.log")));
        }
        return new Result(process.exitValue(), Files.readAllLines(dir.resolve("stdout.log")),
                Files.readAllLines(dir.resolve("stderr.log")));
    }

    /** What the command left: its exit code, stdout, and stderr (log lines are JSON, the human lines are not). */
    private record Result(int exit, List<String> stdout, List<String> stderr) {
        List<String> humanLines() {
            return stderr.stream().filter(line -> !line.startsWith("{")).toList();
        }
    }
}
