package dev.weft.service.videos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.service.Routes;
import dev.weft.service.jobs.JobsConfig;
import dev.weft.service.ops.DocsModule;
import dev.weft.service.provider.LocalProvider;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * {@code openapi-videos.json} (the OpenAPI paths and schemas of the video-job endpoints, kept beside this package
 * until it is merged into the service's {@code openapi.json}) together with the service's description covers exactly
 * the routes a server with {@link VideoJobs} has, and each of its operations answers the admin with a described
 * status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenApiFragmentTest {
    static final String RESOURCE = "/dev/weft/service/videos/openapi-videos.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private VideoService service;
    private JsonNode fragment;
    private JsonNode base;

    @BeforeAll
    void start() throws IOException {
        service = new VideoService(VideoService.Backend.SQLITE, () -> LocalProvider.create(Duration.ofMillis(100),
                Clock.systemUTC()), JobsConfig.defaults().withWorkers(1), config -> config);
        try (InputStream in = OpenApiFragmentTest.class.getResourceAsStream(RESOURCE)) {
            fragment = MAPPER.readTree(in);
        }
        base = MAPPER.readTree(DocsModule.load());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    private static Set<String> operations(JsonNode spec) {
        Set<String> operations = new TreeSet<>();
        spec.path("paths").properties().forEach(path -> path.getValue().properties().forEach(
                operation -> operations.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey())));
        return operations;
    }

    @Test
    void withTheServiceDescriptionCoversExactlyTheRoutes() {
        Set<String> routes = new TreeSet<>();
        for (Routes.Route route : service.service.routes()) {
            routes.add(route.method().text() + " " + route.template());
        }
        Set<String> described = new TreeSet<>(operations(base));
        described.addAll(operations(fragment));

        assertThat(described).isEqualTo(routes);
    }

    @Test
    void everySchemaItReferencesIsDefined() {
        List<String> missing = new ArrayList<>();
        String text = fragment.toString();
        int at = 0;
        while ((at = text.indexOf("#/components/schemas/", at)) >= 0) {
            int end = text.indexOf('"', at);
            String name = text.substring(at + "#/components/schemas/".length(), end);
            if (!fragment.path("components").path("schemas").has(name)
                    && !base.path("components").path("schemas").has(name)) {
                missing.add(name);
            }
            at = end;
        }

        assertThat(missing).isEmpty();
    }

    @Test
    void everyOperationAnswersTheAdminWithADescribedStatus() {
        List<String> failures = new ArrayList<>();
        for (String operation : operations(fragment)) {
            String method = operation.substring(0, operation.indexOf(' '));
            String template = operation.substring(operation.indexOf(' ') + 1);
            String path = template.replace("{video_id}", "vid_none");
            VideoService.Response response = template.equals("/process-video")
                    ? service.upload(VideoService.ADMIN_KEY, new VideoService.Form().file("video", "a.mp4",
                            new byte[] {1}))
                    : service.call(method, path, VideoService.ADMIN_KEY, method.equals("POST") ? "{}" : null);
            JsonNode described = fragment.path("paths").path(template).path(method.toLowerCase(Locale.ROOT))
                    .path("responses");
            if (!described.has(Integer.toString(response.status())) || response.status() >= 500) {
                failures.add(operation + " answered " + response.status());
            }
        }

        assertThat(failures).isEmpty();
    }
}
