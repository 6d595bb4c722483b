package dev.weft.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.weft.core.InvalidConfigException;
import dev.weft.db.DatabaseType;
import dev.weft.service.ServiceConfig;
import dev.weft.service.WeftService;
import dev.weft.service.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/deploy/compose.yaml, docs/deploy/kubernetes/weft.yaml and its secret.example.yaml, read with a YAML parser
 * and held against the service itself: the environment they give weft is read by
 * {@link ServiceConfig#fromEnv(Map)} into the database, Redis and admin key they mean (once the examples' placeholder
 * key, which weft refuses, is replaced); the port is the service's; the probe paths answer 200 on a running service;
 * the secret references resolve in the example Secret, which weft.yaml leaves out so applying it keeps the user's;
 * several replicas only with a ReadWriteMany data dir; the shutdown timings leave weft its grace period; the image
 * and user are bin/image's.
 */
class DeployFilesTest {
    /** The name `podman load` gives the archive bin/image writes (its ref.name is "weft"). */
    static final String IMAGE = "localhost/weft:latest";
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Z_]+)(:?[-?][^}]*)?}");
    private static final Path DEPLOY = Repository.root().resolve("docs/deploy");
    /** The image's data dir (WEFT_DATA_DIR): SQLite and the uploads waiting for a worker. */
    private static final String DATA_DIR = "/var/lib/weft";
    /** A key the admin key rule accepts, for the examples whose placeholder it refuses. */
    private static final String REAL_KEY = "a-real-key-0123456789abcdef";

    static JsonNode compose;
    static Map<String, JsonNode> kubernetes = new HashMap<>();
    static JsonNode secretExample;

    @BeforeAll
    static void read() throws IOException {
        compose = new YAMLMapper().readTree(DEPLOY.resolve("compose.yaml").toFile());
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (var documents = yaml.readerFor(JsonNode.class)
                .<JsonNode>readValues(DEPLOY.resolve("kubernetes/weft.yaml").toFile())) {
            documents.forEachRemaining(document -> kubernetes.put(document.path("kind").asText(), document));
        }
        secretExample = yaml.readTree(DEPLOY.resolve("kubernetes/secret.example.yaml").toFile());
    }

    @Test
    void weftYamlHasNoSecretSoApplyingItKeepsTheUsersOne() {
        assertThat(kubernetes).doesNotContainKey("Secret");
        assertThat(secretExample.path("kind").asText()).isEqualTo("Secret");
    }

    @Test
    void severalReplicasOnlyWithAReadWriteManyVolumeAtTheDataDir() throws IOException {
        JsonNode deployment = kubernetes.get("Deployment");
        JsonNode pod = deployment.path("spec").path("template").path("spec");
        String dataVolume = null;
        for (JsonNode mount : pod.path("containers").get(0).path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals(DATA_DIR)) {
                dataVolume = mount.path("name").asText();
            }
        }
        assertThat(dataVolume).as("a volume at %s", DATA_DIR).isNotNull();
        int replicas = deployment.path("spec").path("replicas").asInt(1);
        assertThat(replicas).isPositive();
        if (replicas > 1) {
            String name = dataVolume;
            JsonNode volume = null;
            for (JsonNode candidate : pod.path("volumes")) {
                if (candidate.path("name").asText().equals(name)) {
                    volume = candidate;
                }
            }
            assertThat(volume).isNotNull();
            String claim = volume.path("persistentVolumeClaim").path("claimName").asText();
            assertThat(claim).as("%d replicas share uploads: the data dir needs a ReadWriteMany claim", replicas)
                    .isNotEmpty();
            JsonNode pvc = kubernetes.get("PersistentVolumeClaim");
            assertThat(pvc).as("the claim %s in weft.yaml", claim).isNotNull();
            assertThat(pvc.path("metadata").path("name").asText()).isEqualTo(claim);
            assertThat(texts(pvc.path("spec").path("accessModes"))).contains("ReadWriteMany");
        }
        // the comments and the README say why
        assertThat(Files.readString(DEPLOY.resolve("kubernetes/weft.yaml"))).contains("ReadWriteMany");
    }

    @Test
    void composeRunsTheImageWithPostgresAndRedis() {
        JsonNode services = compose.path("services");
        assertThat(services.path("weft").path("image").asText()).isEqualTo(IMAGE);
        assertThat(services.path("postgres").path("image").asText()).contains("postgres");
        assertThat(services.path("redis").path("image").asText()).contains("redis");
        assertThat(services.path("weft").path("depends_on").path("postgres").path("condition").asText())
                .isEqualTo("service_healthy");
        assertThat(services.path("weft").path("depends_on").path("redis").path("condition").asText())
                .isEqualTo("service_healthy");
        assertThat(texts(services.path("weft").path("ports"))).singleElement().asString()
                .endsWith(":" + ServiceConfig.DEFAULT_PORT);
        assertThat(texts(services.path("weft").path("volumes"))).anyMatch(v -> v.endsWith(":/var/lib/weft"));
    }

    @Test
    void composeGivesWeftTheDatabaseRedisAndAdminKeyItMeans() throws IOException {
        Map<String, String> dotEnv = dotEnv(DEPLOY.resolve(".env.example"));
        Map<String, String> env = new HashMap<>();
        compose.path("services").path("weft").path("environment").properties()
                .forEach(entry -> env.put(entry.getKey(), interpolate(entry.getValue().asText(), dotEnv)));
        // the example's placeholder is refused, so nobody runs with it; a chosen key goes through
        assertThatThrownBy(() -> ServiceConfig.fromEnv(env)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("WEFT_ADMIN_KEY");
        env.put("WEFT_ADMIN_KEY", REAL_KEY);
        ServiceConfig config = ServiceConfig.fromEnv(env);

        assertThat(config.database()).isNotNull();
        assertThat(config.database().type()).isEqualTo(DatabaseType.POSTGRESQL);
        assertThat(config.database().host()).isEqualTo("postgres");
        assertThat(config.database().database()).isEqualTo(
                compose.path("services").path("postgres").path("environment").path("POSTGRES_DB").asText());
        assertThat(config.redis()).contains("redis://redis:6379");
        assertThat(config.adminKey()).isNotNull();
        assertThat(config.adminKey().reveal()).isEqualTo(REAL_KEY);
        assertThat(dotEnv.get("WEFT_ADMIN_KEY")).startsWith(Settings.ADMIN_KEY_PLACEHOLDER);
        // the secrets come from .env, never from the file itself
        assertThat(compose.path("services").path("weft").path("environment").path("WEFT_ADMIN_KEY").asText())
                .startsWith("${WEFT_ADMIN_KEY:?");
        assertThat(Duration.parse("PT" + compose.path("services").path("weft").path("stop_grace_period").asText()))
                .isGreaterThan(config.shutdownGrace());
        assertThat(texts(compose.path("services").path("weft").path("healthcheck").path("test")))
                .anyMatch(part -> part.endsWith("/health/ready"));
    }

    @Test
    void theDeploymentRunsTheImageAsItsUserOnTheServicePort() {
        JsonNode pod = kubernetes.get("Deployment").path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        assertThat(container.path("image").asText()).isEqualTo(IMAGE);
        assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("securityContext").path("runAsUser").asText() + ":"
                + pod.path("securityContext").path("runAsGroup").asText()).isEqualTo(ImageIT.IMAGE_USER);
        assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(ServiceConfig.DEFAULT_PORT);
        assertThat(container.path("ports").get(0).path("name").asText()).isEqualTo("http");
        JsonNode service = kubernetes.get("Service");
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");
        assertThat(service.path("spec").path("selector")).isEqualTo(
                kubernetes.get("Deployment").path("spec").path("selector").path("matchLabels"));
    }

    @Test
    void theDeploymentsEnvironmentComesFromItsSecretAndMeansWhatItSays() {
        JsonNode secret = secretExample;
        JsonNode container = kubernetes.get("Deployment").path("spec").path("template").path("spec")
                .path("containers").get(0);
        Map<String, String> env = new HashMap<>();
        Set<String> fromSecret = new LinkedHashSet<>();
        for (JsonNode variable : container.path("env")) {
            JsonNode reference = variable.path("valueFrom").path("secretKeyRef");
            if (reference.isMissingNode()) {
                env.put(variable.path("name").asText(), variable.path("value").asText());
                continue;
            }
            assertThat(reference.path("name").asText()).isEqualTo(secret.path("metadata").path("name").asText());
            String key = reference.path("key").asText();
            assertThat(secret.path("stringData").has(key)).as("secret key %s", key).isTrue();
            env.put(variable.path("name").asText(), secret.path("stringData").path(key).asText());
            fromSecret.add(variable.path("name").asText());
        }
        assertThat(fromSecret).containsExactlyInAnyOrder("WEFT_ADMIN_KEY", "DATABASE_URL");
        assertThat(env.get("WEFT_ADMIN_KEY")).startsWith(Settings.ADMIN_KEY_PLACEHOLDER);
        assertThatThrownBy(() -> ServiceConfig.fromEnv(env)).isInstanceOf(InvalidConfigException.class);
        env.put("WEFT_ADMIN_KEY", REAL_KEY);
        ServiceConfig config = ServiceConfig.fromEnv(env);
        assertThat(config.port()).isEqualTo(container.path("ports").get(0).path("containerPort").asInt());
        assertThat(config.database()).isNotNull();
        assertThat(config.database().type()).isEqualTo(DatabaseType.POSTGRESQL);
        assertThat(config.adminKey()).isNotNull();
        assertThat(config.redis()).isPresent();

        // the kubelet waits terminationGracePeriodSeconds for preStop and the stop together: weft's grace must fit
        JsonNode preStop = container.path("lifecycle").path("preStop").path("exec").path("command");
        assertThat(texts(preStop)).first().isEqualTo("sleep");
        long preStopSeconds = Long.parseLong(preStop.get(1).asText());
        long terminationGrace = kubernetes.get("Deployment").path("spec").path("template").path("spec")
                .path("terminationGracePeriodSeconds").asLong();
        assertThat(terminationGrace).isGreaterThanOrEqualTo(preStopSeconds + config.shutdownGrace().toSeconds() + 5);
    }

    @Test
    void theProbePathsOfBothFilesAnswerOnARunningService(@TempDir Path data) throws Exception {
        JsonNode container = kubernetes.get("Deployment").path("spec").path("template").path("spec")
                .path("containers").get(0);
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/live");
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/ready");
        List<String> paths = new ArrayList<>();
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(container.path(probe).path("httpGet").path("port").asText()).isEqualTo("http");
            paths.add(container.path(probe).path("httpGet").path("path").asText());
        }
        String composeProbe = texts(compose.path("services").path("weft").path("healthcheck").path("test")).getLast();
        paths.add(java.net.URI.create(composeProbe).getPath());

        ServiceConfig config = ServiceConfig.fromEnv(Map.of()).withPort(0).withDataDir(data);
        try (WeftService service = WeftService.builder(config).build().start()) {
            for (String path : paths) {
                assertThat(Processes.get(service.port(), path)).as(path).isEqualTo(200);
            }
        }
    }

    private static Map<String, String> dotEnv(Path file) throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return values;
    }

    /** Compose's ${NAME}, ${NAME:?message} and ${NAME:-default}, from the given .env values. */
    private static String interpolate(String value, Map<String, String> dotEnv) {
        Matcher matcher = INTERPOLATION.matcher(value);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            assertThat(dotEnv).as(".env.example names %s", name).containsKey(name);
            matcher.appendReplacement(result, Matcher.quoteReplacement(dotEnv.get(name)));
        }
        return matcher.appendTail(result).toString();
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }
}
