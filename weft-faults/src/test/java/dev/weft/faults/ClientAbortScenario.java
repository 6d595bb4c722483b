package dev.weft.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Clients that go away: {@code GET /users/stream} aborted mid-response (half with FIN, half with RST), a request
 * body cut off halfway and the connection closed, and a body that stalls (headers and part of the body, then
 * nothing), against one instance on a PostgreSQL of its own (the stream holds a cursor in a transaction).
 *
 * <p>Promises: no response and no log line of status 500 for a client that left (the
 * {@code http_server_requests_seconds_count} series with {@code status="500"} stays absent or 0; no ERROR line in
 * the log); the stalled body is cut off within {@link #STALLED_BOUND} (the edge's body read timeout, 5 s, plus
 * slack); the service keeps serving (reads answer, every pooled connection is returned); no problem body the
 * scenario saw carries a class name or an internal address.
 */
class ClientAbortScenario extends TempDirScenario {
    /** The body read timeout (5 s, docs/ARCHITECTURE.md of the edge fix) plus 2 s of slack for a loaded machine. */
    static final Duration STALLED_BOUND = Duration.ofSeconds(7);
    private static final String SCENARIO = "client aborts (stream, half bodies, stalled body)";

    @BeforeAll
    static void sweep() {
        OwnPostgres.sweep("clientabort");
    }

    @Test
    @Tag("full")
    void clientsThatLeaveAreNotServerErrors() throws Exception {
        try (OwnPostgres postgres = OwnPostgres.create("clientabort", Map.of());
                ServiceProcess service = ServiceProcess.start("a", work,
                        Map.of("DATABASE_URL", postgres.databaseUrl(), "WEFT_WORKERS", "0"))) {
            System.out.println(SCENARIO + ": work " + work);
            Http http = new Http(Duration.ofSeconds(30));
            List<Map<String, Object>> users = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                users.add(Map.of("email", "abort" + i + "@example.com", "username", "abort_" + i,
                        "full_name", "A user with a name long enough to fill the stream " + i, "credits", i));
            }
            Http.Answer batch = http.post(service.url("/users/batch"), Http.admin(), Map.of("users", users));
            if (batch.status() != 201) {
                throw new IllegalStateException("batch: " + batch.status() + " " + batch.body());
            }
            int port = Integer.parseInt(service.url("").replaceAll(".*:", ""));
            int cutMidStream = 0;
            for (int i = 0; i < 50; i++) {
                cutMidStream += abortStream(port, i % 2 == 0) ? 1 : 0;
            }
            for (int i = 0; i < 20; i++) {
                halfBody(port, i % 2 == 0);
            }
            List<String> bodies = new ArrayList<>();
            Stalled stalled = stalledBody(port, bodies);

            // still serving: every pooled connection back, reads answer
            TimeUnit.SECONDS.sleep(1);
            int served = 0;
            for (int i = 0; i < 20; i++) {
                Http.Answer answer = http.get(service.url("/users?limit=5&offset=" + i), Http.admin());
                served += answer.status() == 200 ? 1 : 0;
                if (answer.status() >= 400) {
                    bodies.add(answer.body());
                }
            }
            Http.Answer ready = http.get(service.url("/health/ready"), Map.of());
            String metrics = http.get(service.url("/metrics"), Http.admin()).body();
            double status500 = sum(metrics, "http_server_requests_seconds_count", "status=\"500\"");
            double activeConnections = sum(metrics, "hikaricp_connections_active", "");
            List<String> errorLines = service.output().lines()
                    .filter(line -> line.contains("\"log.level\": \"ERROR\"") || line.contains("\"level\":\"ERROR\"")
                            || line.contains(" ERROR ")).toList();
            List<String> leaks = ProblemLeaks.in(bodies);

            Report.record(SCENARIO, "0 responses of status 500 for client aborts", status500
                    + " in http_server_requests_seconds_count (" + cutMidStream + " of 50 streams cut mid-response)",
                    status500 == 0);
            Report.record(SCENARIO, "0 ERROR log lines for client aborts", errorLines.size() + " ERROR lines"
                    + (errorLines.isEmpty() ? "" : ", first: " + abbreviate(errorLines.get(0))),
                    errorLines.isEmpty());
            Report.record(SCENARIO, "a stalled body is cut off <= " + STALLED_BOUND.toSeconds() + " s",
                    stalled.toString(), stalled.seconds() <= STALLED_BOUND.toSeconds());
            Report.record(SCENARIO, "keeps serving: reads answer, no pooled connection kept",
                    served + " of 20 reads 200, /health/ready " + ready.status() + ", " + activeConnections
                            + " connections active", served == 20 && ready.status() == 200 && activeConnections == 0);
            Report.record(SCENARIO, "0 internals in problem bodies", leaks.size() + " of " + bodies.size(),
                    leaks.isEmpty());

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(status500).as("responses of status 500").isZero();
            soft.assertThat(errorLines.size()).as("ERROR log lines, first: "
                    + (errorLines.isEmpty() ? "" : abbreviate(errorLines.get(0)))).isZero();
            soft.assertThat(stalled.seconds()).as("stalled body cut off after (s): " + stalled)
                    .isLessThanOrEqualTo(STALLED_BOUND.toSeconds());
            soft.assertThat(served).as("reads after the aborts").isEqualTo(20);
            soft.assertThat(ready.status()).as("/health/ready").isEqualTo(200);
            soft.assertThat(activeConnections).as("pooled connections still active").isZero();
            soft.assertThat(leaks).as("internals in problem bodies").isEmpty();
            soft.assertAll();
        }
    }

    /**
     * Reads the start of the stream through a small receive buffer, then leaves.
     *
     * @return whether the response was still coming when the client left
     */
    private static boolean abortStream(int port, boolean reset) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            send(socket, "GET /users/stream HTTP/1.1\r\nHost: weft\r\nX-API-Key: " + ServiceProcess.ADMIN_KEY
                    + "\r\n\r\n");
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            int total = 0;
            while (total < 16 * 1024) {
                int read = in.read(buffer);
                if (read < 0) {
                    return false;
                }
                total += read;
            }
            if (reset) {
                socket.setSoLinger(true, 0);
            }
            return true;
        }
    }

    /** Sends the headers of a create and half its body, then leaves (FIN, or RST). */
    private static void halfBody(int port, boolean reset) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            String body = "{\"email\":\"half@example.com\",\"username\":\"half_body\",\"credits\":5}";
            send(socket, "POST /users HTTP/1.1\r\nHost: weft\r\nContent-Type: application/json\r\nX-API-Key: "
                    + ServiceProcess.ADMIN_KEY + "\r\nContent-Length: " + body.length() + "\r\n\r\n"
                    + body.substring(0, body.length() / 2));
            if (reset) {
                socket.setSoLinger(true, 0);
            }
        }
    }

    /**
     * How a stalled body ended.
     *
     * @param seconds from the last byte sent to the service's answer or close (or the wait's end)
     * @param how what the service did
     */
    record Stalled(double seconds, String how) {
        @Override
        public String toString() {
            return String.format("%.1f s, %s", seconds, how);
        }
    }

    /** Sends headers and part of a body, then nothing; waits up to 60 s for the service to answer or close. */
    private static Stalled stalledBody(int port, List<String> bodies) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            send(socket, "POST /users HTTP/1.1\r\nHost: weft\r\nContent-Type: application/json\r\nX-API-Key: "
                    + ServiceProcess.ADMIN_KEY + "\r\nContent-Length: 200\r\n\r\n{\"email\":\"stalled@exa");
            long sent = System.nanoTime();
            byte[] buffer = new byte[8192];
            StringBuilder answer = new StringBuilder();
            double seconds = Double.NaN;
            try {
                int read;
                while ((read = socket.getInputStream().read(buffer)) >= 0) {
                    answer.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
                    if (answer.indexOf("\r\n\r\n") >= 0 && socket.getSoTimeout() > 1_000) {
                        seconds = (System.nanoTime() - sent) / 1e9;
                        socket.setSoTimeout(1_000); // the rest of the answer, if any, follows at once
                    }
                }
            } catch (SocketTimeoutException e) {
                if (Double.isNaN(seconds)) {
                    return new Stalled((System.nanoTime() - sent) / 1e9, "still open after 60 s");
                }
            } catch (IOException e) {
                if (Double.isNaN(seconds)) {
                    return new Stalled((System.nanoTime() - sent) / 1e9, "reset");
                }
            }
            if (Double.isNaN(seconds)) {
                seconds = (System.nanoTime() - sent) / 1e9;
            }
            if (answer.isEmpty()) {
                return new Stalled(seconds, "closed without an answer");
            }
            int split = answer.indexOf("\r\n\r\n");
            if (split >= 0) {
                bodies.add(answer.substring(split + 4));
            }
            return new Stalled(seconds, "answered " + answer.substring(0, Math.max(0, answer.indexOf("\r\n"))));
        }
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** @return the sum of a Prometheus metric's samples whose labels contain {@code labelPart} */
    static double sum(String metrics, String name, String labelPart) {
        return metrics.lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .filter(line -> line.contains(labelPart))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static String abbreviate(String line) {
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
