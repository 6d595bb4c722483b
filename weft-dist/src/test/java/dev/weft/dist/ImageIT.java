package dev.weft.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image that {@code bin/image} writes (weft-dist/target/weft-image.oci.tar), checked without a
 * container engine: a valid OCI image layout whose config runs weft as a non-root user, and, unpacked layer by
 * layer into a root file system, a {@code weft serve} that starts there (chroot as the image's user, which needs
 * root) and answers the probes. {@code .ci/run} builds the image first; without it the test skips (fails in CI).
 */
@Timeout(300)
class ImageIT {
    static final String IMAGE_USER = "10001:10001";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path layout;

    static JsonNode manifest;
    static JsonNode config;

    @BeforeAll
    static void unpackTheLayout() throws Exception {
        Path archive = Path.of(System.getProperty("weft.image.archive", "target/weft-image.oci.tar"));
        Repository.require(Files.isRegularFile(archive), "no image at " + archive + " (build it with bin/image)");
        Processes.Result tar = Processes.run(new ProcessBuilder("tar", "-xf", archive.toString(), "-C",
                layout.toString()));
        assertThat(tar.exitCode()).as(tar.output()).isZero();
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertThat(index.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(index.path("manifests")).hasSize(1);
        JsonNode descriptor = index.path("manifests").get(0);
        assertThat(descriptor.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        assertThat(descriptor.path("annotations").path("org.opencontainers.image.ref.name").asText()).isEqualTo("weft");
        manifest = JSON.readTree(verifiedBlob(descriptor).toFile());
        config = JSON.readTree(verifiedBlob(manifest.path("config")).toFile());
    }

    @Test
    void isAnOciImageLayout() throws IOException {
        assertThat(JSON.readTree(layout.resolve("oci-layout").toFile()).path("imageLayoutVersion").asText())
                .isEqualTo("1.0.0");
        assertThat(manifest.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(manifest.path("config").path("mediaType").asText())
                .isEqualTo("application/vnd.oci.image.config.v1+json");
        assertThat(config.path("os").asText()).isEqualTo("linux");
        // the machine's, in OCI's names (the JVM says aarch64 where OCI and Debian say arm64)
        String machine = System.getProperty("os.arch");
        assertThat(config.path("architecture").asText()).isEqualTo(machine.equals("aarch64") ? "arm64" : machine);
    }

    @Test
    void everyLayerIsThereWithItsDigestSizeAndDiffId() throws Exception {
        JsonNode layers = manifest.path("layers");
        JsonNode diffIds = config.path("rootfs").path("diff_ids");
        assertThat(config.path("rootfs").path("type").asText()).isEqualTo("layers");
        assertThat(layers).hasSizeGreaterThanOrEqualTo(3).hasSameSizeAs(diffIds);
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            assertThat(layer.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
            Path blob = verifiedBlob(layer);
            try (InputStream uncompressed = new GZIPInputStream(Files.newInputStream(blob))) {
                assertThat("sha256:" + sha256(uncompressed)).as("diff_id of layer %d", i)
                        .isEqualTo(diffIds.get(i).asText());
            }
        }
    }

    @Test
    void runsWeftServeOnAllAddressesAsANonRootUser() {
        JsonNode runtime = config.path("config");
        assertThat(runtime.path("User").asText()).isEqualTo(IMAGE_USER).doesNotStartWith("0").isNotEqualTo("root");
        assertThat(strings(runtime.path("Entrypoint"))).containsExactly("/opt/weft/bin/weft");
        // no flags: `weft serve` alone starts without building the command line's model (the image's start path)
        assertThat(strings(runtime.path("Cmd"))).containsExactly("serve");
        assertThat(runtime.path("ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(runtime.path("Volumes").has("/var/lib/weft")).isTrue();
        assertThat(strings(runtime.path("Env"))).contains("JAVA_HOME=/opt/java", "WEFT_DATA_DIR=/var/lib/weft",
                "WEFT_BIND=0.0.0.0", "WEFT_PORT=8080");
        JsonNode labels = runtime.path("Labels");
        for (String label : List.of("title", "description", "version", "revision", "created", "base.name")) {
            assertThat(labels.path("org.opencontainers.image." + label).asText()).as(label).isNotBlank();
        }
        assertThat(labels.path("org.opencontainers.image.description").asText()).contains("/health/live",
                "/health/ready");
    }

    @Test
    void startsInItsOwnRootFileSystemAsItsUserWithItsAotCacheAndAnswersTheProbes() throws Exception {
        Repository.require("root".equals(System.getProperty("user.name")),
                "running the image's file system needs root (chroot, mount)");
        // not a @TempDir: /proc is mounted inside it, and it is removed only once that is unmounted
        Path rootfs = Files.createTempDirectory("weft-image-rootfs");
        for (JsonNode layer : manifest.path("layers")) {
            Processes.Result tar = Processes.run(new ProcessBuilder("tar", "--numeric-owner", "-xzf",
                    blob(layer).toString(), "-C", rootfs.toString()));
            assertThat(tar.exitCode()).as(tar.output()).isZero();
        }
        assertThat(rootfs.resolve("opt/weft/weft.aot")).as("the AOT cache recorded by the build").isRegularFile();
        assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains("weft:x:10001:10001:");

        List<String> mounted = new ArrayList<>();
        Path log = rootfs.resolve("var/lib/weft/serve.log");
        Process process = null;
        try {
            mount(mounted, rootfs, "-t", "proc", "proc", "proc");
            // device nodes of its own, not a bind mount of the machine's /dev, which a failed unmount would expose
            // to the removal of the directory
            for (String node : List.of("null 1 3", "zero 1 5", "random 1 8", "urandom 1 9")) {
                String[] parts = node.split(" ");
                Processes.Result mknod = Processes.run(new ProcessBuilder("mknod", "-m", "0666",
                        rootfs.resolve("dev").resolve(parts[0]).toString(), "c", parts[1], parts[2]));
                assertThat(mknod.exitCode()).as(mknod.output()).isZero();
            }
            List<String> command = new ArrayList<>(List.of("chroot", "--userspec=" + IMAGE_USER, rootfs.toString(),
                    "/usr/bin/env", "-i"));
            command.addAll(strings(config.path("config").path("Env")));
            // AOTMode=on: the JVM refuses to start unless it can use the image's AOT cache
            command.add("JAVA_OPTS=-XX:AOTMode=on");
            // the image's address and port overridden as a deployment would (env's later assignment wins): loopback
            // and a free port, as the test shares this machine's network
            command.addAll(List.of("WEFT_BIND=127.0.0.1", "WEFT_PORT=0"));
            command.addAll(strings(config.path("config").path("Entrypoint")));
            command.addAll(strings(config.path("config").path("Cmd")));
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            int port = Processes.awaitListening(process, log, Duration.ofSeconds(90));
            assertThat(Processes.get(port, "/health/live")).isEqualTo(200);
            assertThat(Processes.get(port, "/health/ready")).isEqualTo(200);
            assertThat(rootfs.resolve("var/lib/weft/weft.db")).as("the data in the volume").isRegularFile();
            // chroot, env and the launcher exec: the process started is the JVM
            String uids = Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
                    .filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow();
            assertThat(uids.split("\\s+")).as("the JVM's real, effective, saved and file uid").containsExactly(
                    "Uid:", "10001", "10001", "10001", "10001");
            // the image is Debian (glibc): the launcher turns the JVM's native heap trimmer on there too
            assertThat(process.info().arguments().map(List::of).orElseThrow())
                    .contains("-XX:TrimNativeHeapInterval=10000");
        } finally {
            if (process != null) {
                Processes.stop(process);
            }
            boolean unmounted = true;
            for (String target : mounted.reversed()) {
                unmounted &= Processes.run(new ProcessBuilder("umount", target)).exitCode() == 0;
            }
            if (unmounted) {
                Processes.run(new ProcessBuilder("rm", "-rf", "--one-file-system", rootfs.toString()));
            }
        }
    }

    private static void mount(List<String> mounted, Path rootfs, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("mount"));
        command.addAll(List.of(arguments).subList(0, arguments.length - 1));
        String target = rootfs.resolve(arguments[arguments.length - 1]).toString();
        command.add(target);
        Processes.Result result = Processes.run(new ProcessBuilder(command));
        assertThat(result.exitCode()).as(result.output()).isZero();
        mounted.add(target);
    }

    /** @return the blob a descriptor names, after checking its size and sha256 digest */
    private static Path verifiedBlob(JsonNode descriptor) throws IOException, NoSuchAlgorithmException {
        Path blob = blob(descriptor);
        assertThat(Files.size(blob)).as("size of %s", blob.getFileName()).isEqualTo(descriptor.path("size").asLong());
        try (InputStream in = Files.newInputStream(blob)) {
            assertThat("sha256:" + sha256(in)).isEqualTo(descriptor.path("digest").asText());
        }
        return blob;
    }

    private static Path blob(JsonNode descriptor) {
        String digest = descriptor.path("digest").asText();
        assertThat(digest).startsWith("sha256:");
        Path blob = layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
        assertThat(blob).isRegularFile();
        return blob;
    }

    private static String sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
            digesting.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
