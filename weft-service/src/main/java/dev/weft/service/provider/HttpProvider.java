package dev.weft.service.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.http.ApiClient;
import dev.weft.http.ApiResponse;
import dev.weft.http.BreakerState;
import dev.weft.http.BreakerStatus;
import dev.weft.http.Multipart;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A provider reached over HTTP through weft-http (retry with backoff and a budget, circuit breaker, rate limit,
 * bulkhead), with the small contract of DESIGN §5:
 * <ul>
 *   <li>{@code POST /upload}, {@code multipart/form-data} with a {@code file} part → {@code {"url"}}</li>
 *   <li>{@code POST /process}, {@code {"url", "options"}} → {@code {"job_id"}}</li>
 *   <li>{@code GET /process/{job_id}} → {@code {"status", "result_url", "error", "model_type", "processing_ms",
 *       "memory_mb", "gpu_percent"}} (the usage figures may also sit in a {@code "usage"} object)</li>
 * </ul>
 * Both POSTs carry the caller's {@code Idempotency-Key}, which also lets weft-http retry them. Every failure of a
 * call leaves as a {@link ProviderException} ({@link HttpFaults} translates weft-http's own).
 *
 * <p>Thread-safe.
 */
public final class HttpProvider implements VideoProvider {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ApiClient api;

    private HttpProvider(ApiClient api) {
        this.api = Objects.requireNonNull(api, "api");
    }

    /**
     * @param api the client for the provider's base URL; this provider closes it
     * @return the provider
     */
    public static HttpProvider create(ApiClient api) {
        return new HttpProvider(api);
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public String upload(Path file, String idempotencyKey) {
        return translated(() -> {
            ApiResponse response = api.post("/upload")
                    .multipart(Multipart.builder().file("file", file, "application/octet-stream").build())
                    .idempotencyKey(idempotencyKey)
                    .send();
            return text(read(response), "url");
        });
    }

    @Override
    public String startProcessing(String url, String optionsJson, String idempotencyKey) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", url);
        try {
            body.put("options", MAPPER.readTree(optionsJson));
        } catch (IOException e) {
            throw new IllegalArgumentException("options must be JSON", e);
        }
        return translated(() -> text(read(api.post("/process").json(body).idempotencyKey(idempotencyKey).send()),
                "job_id"));
    }

    @Override
    public ProviderStatus status(String jobId) {
        JsonNode body = translated(() -> read(api.get("/process/{job_id}").pathParam("job_id", jobId).noCache()
                .send()));
        String status = text(body, "status");
        ProviderStatus.State state;
        try {
            state = ProviderStatus.State.parse(status);
        } catch (IllegalArgumentException e) {
            throw ProviderException.badAnswer(name(), "unknown job status", e);
        }
        return switch (state) {
            case PENDING, PROCESSING -> ProviderStatus.running(state);
            case FAILED -> ProviderStatus.failed(optionalText(body, "error") != null
                    ? truncate(Objects.requireNonNull(optionalText(body, "error"))) : "the provider reported failure");
            case COMPLETED -> ProviderStatus.completed(text(body, "result_url"), usage(body));
        };
    }

    @Override
    public ProviderHealth health() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("type", "http");
        details.put("base_url", api.config().baseUrl().toString());
        boolean healthy = true;
        for (BreakerStatus breaker : api.breakers().values()) {
            details.put("breaker", breaker.state().name());
            healthy &= breaker.state() != BreakerState.OPEN;
        }
        return new ProviderHealth(healthy, details);
    }

    @Override
    public Optional<ApiClient> apiClient() {
        return Optional.of(api);
    }

    @Override
    public void close() {
        api.close();
    }

    /** Runs a weft-http call; its exceptions leave as {@link ProviderException}s ({@link HttpFaults}). */
    private static <T> T translated(Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw HttpFaults.translate(e);
        }
    }

    private JsonNode read(ApiResponse response) {
        JsonNode body = response.json(JsonNode.class);
        if (body == null || !body.isObject()) {
            throw ProviderException.badAnswer(name(), "the answer is not a JSON object", null);
        }
        return body;
    }

    private String text(JsonNode body, String field) {
        String value = optionalText(body, field);
        if (value == null || value.isEmpty() || value.length() > 2048) {
            throw ProviderException.badAnswer(name(), "the answer has no valid '" + field + "'", null);
        }
        return value;
    }

    private static @Nullable String optionalText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value == null || !value.isTextual() ? null : value.asText();
    }

    private static @Nullable ModelUsage usage(JsonNode body) {
        JsonNode source = body.has("usage") && body.get("usage").isObject() ? body.get("usage") : body;
        String model = optionalText(source, "model_type");
        if (model == null || !source.path("processing_ms").isNumber()) {
            return null;
        }
        try {
            return new ModelUsage(model, source.path("processing_ms").asLong(), source.path("memory_mb").asDouble(0),
                    source.path("gpu_percent").asDouble(0));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String truncate(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500);
    }
}
