package dev.weft.dist;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs commands of the distribution and the image, and reads what a started `weft serve` says. */
final class Processes {
    private static final Pattern LISTENING = Pattern.compile("weft: listening on http://[^:]+:(\\d+)");

    private Processes() {
    }

    /** A finished command: its exit code and its output (stdout and stderr together). */
    record Result(int exitCode, String output) {
    }

    /** Runs a command to its end (at most 2 minutes). */
    static Result run(ProcessBuilder builder) throws IOException, InterruptedException {
        Process process = builder.redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("did not end: " + builder.command());
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /**
     * Waits until the `weft serve` writing to {@code log} says where it listens.
     *
     * @return the port
     */
    static int awaitListening(Process process, Path log, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            Matcher matcher = LISTENING.matcher(text);
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
            if (!process.isAlive()) {
                throw new AssertionError("weft serve ended with " + process.exitValue() + ":\n" + text);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("weft serve did not start in " + timeout + ":\n" + Files.readString(log));
    }

    /** @return the status of a GET */
    static int get(int port, String path) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode();
        }
    }

    /** Stops a server as a container runtime would (SIGTERM), and waits for it. */
    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    /** @return the command as one list, for messages */
    static String describe(List<String> command) {
        return String.join(" ", command);
    }
}
