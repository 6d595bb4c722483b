package dev.weft.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive (weft-VERSION.tar.gz) as a user gets it: unpacked into a directory of its own, away
 * from the repository, and run with only a Java runtime (JAVA_HOME).
 */
@Timeout(180)
class DistributionIT {
    @TempDir
    static Path unpacked;

    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("weft.dist.archive",
                "target/weft-" + System.getProperty("weft.version", "") + ".tar.gz"));
        assertThat(archive).as("built by `./mvnw package` in weft-dist").isRegularFile();
        Processes.Result tar = Processes.run(new ProcessBuilder("tar", "-xzf", archive.toString(), "-C",
                unpacked.toString()));
        assertThat(tar.exitCode()).as(tar.output()).isZero();
        try (var entries = Files.list(unpacked)) {
            home = entries.findFirst().orElseThrow();
        }
    }

    @Test
    void theArchiveHoldsTheLauncherTheJarAndEveryJarOfItsClassPath() throws IOException {
        assertThat(home.getFileName().toString()).startsWith("weft-");
        assertThat(home.resolve("bin/weft")).isExecutable();
        try (JarFile jar = new JarFile(home.resolve("weft.jar").toFile())) {
            String classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
            List<String> entries = Arrays.stream(classPath.trim().split("\\s+")).toList();
            assertThat(entries).isNotEmpty().allSatisfy(entry -> assertThat(home.resolve(entry)).isRegularFile());
            try (var lib = Files.list(home.resolve("lib"))) {
                assertThat(lib.map(jarPath -> "lib/" + jarPath.getFileName())).as("lib/ holds only the class path")
                        .containsExactlyInAnyOrderElementsOf(entries);
            }
        }
    }

    @Test
    void everyWeftJarNamesItsModuleForUsersOnTheModulePath() throws IOException {
        List<Path> jars;
        try (var lib = Files.list(home.resolve("lib"))) {
            jars = lib.filter(jar -> jar.getFileName().toString().startsWith("weft-")).toList();
        }
        assertThat(jars).hasSizeGreaterThanOrEqualTo(5);
        for (Path jar : java.util.stream.Stream.concat(jars.stream(), java.util.stream.Stream.of(home.resolve(
                "weft.jar"))).toList()) {
            try (JarFile file = new JarFile(jar.toFile())) {
                assertThat(file.getManifest().getMainAttributes().getValue("Automatic-Module-Name")).as(jar.toString())
                        .matches("dev\\.weft(\\.[a-z]+)+");
            }
        }
    }

    @Test
    void versionRunsWithOnlyJavaHome() throws Exception {
        Processes.Result version = Processes.run(launcher("--version"));
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output()).startsWith("weft ");
    }

    @Test
    void anOlderJavaStopsTheLauncherWithOneLine(@TempDir Path olderJava) throws Exception {
        // a runtime as the launcher sees one: its release file, and a java that must not be started
        Files.createDirectories(olderJava.resolve("bin"));
        Files.writeString(olderJava.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
        Path java = Files.writeString(olderJava.resolve("bin/java"), "#!/bin/sh\necho started >&2\nexit 99\n");
        java.toFile().setExecutable(true);
        ProcessBuilder launcher = launcher("--version");
        launcher.environment().put("JAVA_HOME", olderJava.toString());

        Processes.Result result = Processes.run(launcher);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.output()).isEqualTo("weft: weft needs Java 25 or newer; found 17.0.15 at " + java
                + ": set JAVA_HOME to a Java 25 runtime\n");
    }

    @Test
    void serveAnswersTheLivenessProbeWithTheLaunchersJvmFlagsAndStopsOnSigterm(@TempDir Path data) throws Exception {
        Path log = data.resolve("serve.log");
        ProcessBuilder serve = launcher("serve", "--port", "0", "--data-dir", data.resolve("data").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = serve.start();
        try {
            int port = Processes.awaitListening(process, log, Duration.ofSeconds(90));
            assertThat(Processes.get(port, "/health/live")).isEqualTo(200);
            assertThat(Processes.get(port, "/health/ready")).isEqualTo(200);
            // the launcher execs the JVM, so the process is the JVM: it gives glibc's freed memory back
            assertThat(process.info().arguments().map(List::of).orElseThrow())
                    .contains("-Xms64m", "-XX:TrimNativeHeapInterval=10000");
            // the service's connections come from its pool: MySQL's driver keeps no cleanup thread of its own
            assertThat(threadDump(process)).contains("Full thread dump").doesNotContain("mysql-cj-abandoned");
            // `weft health`, a container's health check: answered, and run by the launcher without the optimising
            // compiler (a one-shot command); PrintFlagsFinal shows the flag the JVM ran with
            ProcessBuilder health = launcher("health", "http://127.0.0.1:" + port);
            health.environment().put("JAVA_OPTS", "-XX:+PrintFlagsFinal");
            Processes.Result checked = Processes.run(health);
            assertThat(checked.exitCode()).as(checked.output()).isZero();
            assertThat(checked.output()).contains("200 {\"status\":\"UP\"").containsPattern(
                    "\\bTieredStopAtLevel\\s+= 1\\b");
        } finally {
            Processes.stop(process);
        }
        assertThat(process.exitValue()).as(Files.readString(log)).isIn(0, 143);
    }

    private static String threadDump(Process process) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Processes.Result dump = Processes.run(new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()),
                "Thread.print"));
        assertThat(dump.exitCode()).as(dump.output()).isZero();
        return dump.output();
    }

    /** The launcher with a clean environment: JAVA_HOME and a PATH without any java, run from elsewhere. */
    private static ProcessBuilder launcher(String... arguments) {
        List<String> command = new java.util.ArrayList<>(List.of(home.resolve("bin/weft").toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.getParent().toFile());
        builder.environment().clear();
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("PATH", "/usr/bin:/bin");
        builder.environment().put("HOME", home.getParent().toString());
        builder.environment().put("WEFT_ADMIN_KEY", "distribution-test-key");
        return builder;
    }
}
