package dev.weft.faults;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command of the machine (pg_ctlcluster, redis-server, kill) with a bound on its time. */
final class Commands {
    private Commands() {
    }

    /**
     * Waits between two checks of what a command started (a server answering, a process gone).
     *
     * @param millis how long
     */
    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs a command and fails unless it exits 0 in time.
     *
     * @param seconds the most it may take
     * @param command the command and its arguments
     * @return its output (stdout and stderr)
     */
    static String run(int seconds, String... command) {
        Result result = tryRun(seconds, command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode() + ": "
                    + result.output());
        }
        return result.output();
    }

    /** A command's exit code (-1 when it timed out) and output. */
    record Result(int exitCode, String output) {
    }

    /**
     * @param seconds the most it may take; it is killed after that
     * @param command the command and its arguments
     * @return what it did
     */
    static Result tryRun(int seconds, String... command) {
        try {
            // output to a file, not a pipe: a daemon the command starts may keep a pipe open for good
            Path output = Files.createTempFile("weft-faults-cmd", ".out");
            try {
                Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(output.toFile()).start();
                boolean done = process.waitFor(seconds, TimeUnit.SECONDS);
                if (!done) {
                    process.destroyForcibly();
                }
                return new Result(done ? process.exitValue() : -1, Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command[0], e);
        }
    }
}
