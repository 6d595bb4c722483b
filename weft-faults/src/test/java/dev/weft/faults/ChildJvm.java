package dev.weft.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@code java} child process running one of weft's main classes from the test's own class path, its stdout and
 * stderr in a log file. Faults a real process meets: {@link #kill()} ({@code kill -9}), {@link #pause()} and
 * {@link #resume()} ({@code SIGSTOP}/{@code SIGCONT}), {@link #close()} ({@code SIGTERM} with a bounded wait).
 */
final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * @param mainClass the class to run
     * @param args its arguments
     * @param heap the {@code -Xmx} value, e.g. {@code 256m}
     * @param env the child's environment on top of this JVM's, without any {@code WEFT_*}, {@code DATABASE_*},
     *        {@code REDIS_URL} or {@code PROVIDER_URL} inherited from it
     * @param log where the output goes
     * @return the started process (not yet known to be serving)
     */
    static ChildJvm start(String mainClass, List<String> args, String heap, Map<String, String> env, Path log) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx" + heap,
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                mainClass));
        command.addAll(args);
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Map<String, String> environment = builder.environment();
            environment.keySet().removeIf(name -> name.startsWith("DATABASE_") || name.startsWith("WEFT_")
                    || name.equals("REDIS_URL") || name.equals("PROVIDER_URL"));
            environment.putAll(env);
            return new ChildJvm(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return whether the process runs */
    boolean alive() {
        return process.isAlive();
    }

    /** @return the process id */
    long pid() {
        return process.pid();
    }

    /** @return the output so far */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the log file */
    Path log() {
        return log;
    }

    /** {@code kill -9}, then waits for the process to be gone. */
    void kill() {
        process.destroyForcibly();
        waitFor(10);
    }

    /** {@code SIGSTOP}: the process stops answering, its sockets stay open. */
    void pause() {
        Signals.send("STOP", pid());
    }

    /** {@code SIGCONT}. */
    void resume() {
        Signals.send("CONT", pid());
    }

    /** {@code SIGTERM}, waiting up to 20 s before a {@code kill -9}. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        resume(); // a stopped process cannot handle SIGTERM
        process.destroy();
        if (!waitFor(20)) {
            kill();
        }
    }

    /** @return the exit code, waiting up to {@code seconds}; -1 if still running */
    int exitCode(int seconds) {
        return waitFor(seconds) ? process.exitValue() : -1;
    }

    private boolean waitFor(int seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
