package dev.weft.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code weft serve}, the real service, in a child JVM: the way a user runs it, so that a fault reaches every layer at
 * once. Each instance gets a port, a data directory and the environment the scenario gives (database, Redis,
 * provider, job and limit settings); the admin key is {@link #ADMIN_KEY}.
 */
final class ServiceProcess implements AutoCloseable {
    /** The admin key every instance is started with. */
    static final String ADMIN_KEY = "wa_faults_suite_admin_key_0123456789";

    private final String name;
    private final int port;
    private final Map<String, String> env;
    private final Path dataDir;
    private final Path logDir;
    private ChildJvm jvm;
    private int starts;
    private Duration startBound = Duration.ofSeconds(60);

    private ServiceProcess(String name, int port, Path dataDir, Path logDir, Map<String, String> env) {
        this.name = name;
        this.port = port;
        this.dataDir = dataDir;
        this.logDir = logDir;
        this.env = Map.copyOf(env);
    }

    /**
     * Starts an instance and waits until {@code /health/live} answers.
     *
     * @param name the instance's name in logs and reports, e.g. {@code a}
     * @param workDir the scenario's directory (data under {@code <name>-data}, logs under {@code <name>-N.log})
     * @param env settings on top of the port, data directory and admin key
     * @return the running instance
     */
    static ServiceProcess start(String name, Path workDir, Map<String, String> env) {
        return start(name, workDir, env, Duration.ofSeconds(60));
    }

    /**
     * As {@link #start(String, Path, Map)}, waiting up to {@code startBound} for {@code /health/live}; a
     * {@code WEFT_ADMIN_KEY} of {@code ""} in {@code env} starts it without one, so that it generates its own.
     *
     * @param name the instance's name
     * @param workDir the scenario's directory
     * @param env settings on top of the port, data directory and admin key
     * @param startBound how long the start may take (several JVMs starting at once on two cores take longer)
     * @return the running instance
     */
    static ServiceProcess start(String name, Path workDir, Map<String, String> env, Duration startBound) {
        ServiceProcess service = new ServiceProcess(name, freePort(), workDir.resolve(name + "-data"), workDir, env);
        service.startBound = startBound;
        service.restart();
        return service;
    }

    /** Starts the instance again on the same port and data directory (after {@link #kill()} or {@link #stop()}). */
    void restart() {
        if (jvm != null && jvm.alive()) {
            throw new IllegalStateException(name + " is still running");
        }
        Map<String, String> environment = new HashMap<>();
        environment.put("WEFT_PORT", Integer.toString(port));
        environment.put("WEFT_BIND", "127.0.0.1");
        environment.put("WEFT_DATA_DIR", dataDir.toString());
        environment.put("WEFT_ADMIN_KEY", ADMIN_KEY);
        environment.putAll(env);
        if ("".equals(environment.get("WEFT_ADMIN_KEY"))) {
            environment.remove("WEFT_ADMIN_KEY");
        }
        starts++;
        jvm = ChildJvm.start("dev.weft.service.Main", List.of("serve"), "384m", environment,
                logDir.resolve(name + "-" + starts + ".log"));
        awaitLive(startBound);
    }

    private void awaitLive(Duration atMost) {
        Http http = new Http(Duration.ofSeconds(2));
        await().atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            if (!jvm.alive()) {
                throw new IllegalStateException(name + " exited with " + jvm.exitCode(0) + ":\n" + tail());
            }
            return http.get(url("/health/live"), Map.of()).status() == 200;
        });
    }

    /** @return {@code http://127.0.0.1:port} followed by {@code path} */
    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** @return the instance's name */
    String name() {
        return name;
    }

    /** @return the child's pid */
    long pid() {
        return jvm.pid();
    }

    /** @return whether the child runs */
    boolean alive() {
        return jvm.alive();
    }

    /** @return the output of the current start */
    String output() {
        return jvm.output();
    }

    /** @return the last 4,000 characters of the current start's output */
    String tail() {
        String output = jvm.output();
        return output.length() <= 4_000 ? output : output.substring(output.length() - 4_000);
    }

    /** {@code kill -9}. */
    void kill() {
        jvm.kill();
    }

    /** {@code SIGTERM}; returns the exit code (or -1 if it had to be killed). */
    int stop() {
        jvm.close();
        return jvm.exitCode(0);
    }

    @Override
    public void close() {
        if (jvm != null) {
            jvm.close();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
