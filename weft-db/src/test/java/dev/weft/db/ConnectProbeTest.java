package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConnectProbe} and {@link ConnectFailure} against the shared PostgreSQL and SQLite files (issue 23). */
@Timeout(60)
class ConnectProbeTest {
    @TempDir
    Path dir;

    @Test
    void returnsWhenTheDatabaseAnswers() {
        List<ConnectFailure> failures = new CopyOnWriteArrayList<>();

        ConnectProbe.of(postgres(5432, "test")).await(Duration.ofSeconds(5), failures::add);

        assertThat(failures).isEmpty();
    }

    @Test
    void retriesARefusedPortUntilTheWaitEndsThenThrowsTheCause() throws IOException {
        int port = freePort();
        List<ConnectFailure> failures = new CopyOnWriteArrayList<>();
        ConnectProbe probe = ConnectProbe.of(postgres(port, "test"));
        probe.attempt(); // loads the driver, which on a cold, loaded JVM may take longer than the wait below

        assertThatThrownBy(() -> probe.await(Duration.ofMillis(1500), failures::add))
                .isInstanceOfSatisfying(DatabaseUnreachableException.class, e -> {
                    assertThat(e.failure().reason()).isEqualTo(ConnectFailure.Reason.REFUSED);
                    assertThat(e.code()).isEqualTo("connection_refused");
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).startsWith("database 'primary': connection refused by 127.0.0.1:"
                            + port + ": is the server running");
                });
        assertThat(failures).isNotEmpty().allMatch(failure -> failure.reason() == ConnectFailure.Reason.REFUSED);
    }

    @Test
    void endsAtOnceOnADatabaseThatDoesNotExist() {
        List<ConnectFailure> failures = new CopyOnWriteArrayList<>();

        assertThatThrownBy(() -> ConnectProbe.of(postgres(5432, "weft_no_such_db")).await(Duration.ofSeconds(30),
                failures::add))
                .isInstanceOfSatisfying(DatabaseUnreachableException.class, e -> {
                    assertThat(e.failure().reason()).isEqualTo(ConnectFailure.Reason.NO_SUCH_DATABASE);
                    assertThat(e.kind()).isEqualTo(dev.weft.core.ErrorKind.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("database 'weft_no_such_db' does not exist on 127.0.0.1:5432");
                });
        assertThat(failures).as("a permanent cause is not retried").isEmpty();
    }

    @Test
    void namesASqliteFileLockedByAnotherConnection() throws SQLException {
        Path file = dir.resolve("locked.db");
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = holder.createStatement()) {
            statement.execute("BEGIN IMMEDIATE");

            var failure = ConnectProbe.of(DatabaseConfig.sqlite(file.toString())).attempt();

            assertThat(failure).map(ConnectFailure::reason).contains(ConnectFailure.Reason.LOCKED);
            statement.execute("ROLLBACK");
        }
    }

    @Test
    void aFileThatIsNoSqliteDatabaseIsNamedAndNotWaitedFor() throws IOException {
        Path file = Files.writeString(dir.resolve("garbage.db"), "this is not a database, but it is long enough to"
                + " fill the header that SQLite reads first: " + "x".repeat(200));

        var failure = ConnectProbe.of(DatabaseConfig.sqlite(file.toString())).attempt();

        // it was OTHER, retried for the whole wait, and said "see the log" with nothing in the log
        assertThat(failure).map(ConnectFailure::reason).contains(ConnectFailure.Reason.NOT_A_DATABASE);
        assertThat(failure.orElseThrow().permanent()).isTrue();
        assertThat(failure.orElseThrow().description()).startsWith("the file " + file.toAbsolutePath()
                + " is not a SQLite database, or is damaged");
    }

    @Test
    void namesASqliteDirectoryThatCannotBeCreated() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");

        var failure = ConnectProbe.of(DatabaseConfig.sqlite(file.resolve("sub/weft.db").toString())).attempt();

        assertThat(failure).map(ConnectFailure::reason).contains(ConnectFailure.Reason.NOT_WRITABLE);
        assertThat(failure.orElseThrow().description()).startsWith("directory " + file.resolve("sub")
                + " cannot be created (" + file + " is a file, not a directory)");
    }

    @Test
    void readsARefusalDeepInTheCauseChainWithoutTheDriversText() {
        SQLException driver = new SQLException("Connection to 127.0.0.1:5999 refused. password=hunter2", "08001",
                new ConnectException("Connection refused"));

        ConnectFailure failure = ConnectFailure.of(new RuntimeException("wrapped", driver), postgres(5999, "test"));

        assertThat(failure.reason()).isEqualTo(ConnectFailure.Reason.REFUSED);
        assertThat(failure.description()).doesNotContain("hunter2");
    }

    private static DatabaseConfig postgres(int port, String database) {
        return DatabaseConfig.fromUrl("postgresql://postgres@127.0.0.1:" + port + "/" + database).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
