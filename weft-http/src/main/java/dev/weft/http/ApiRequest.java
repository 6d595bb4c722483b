package dev.weft.http;

import dev.weft.cache.TypeRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One request being built, then sent by one of the terminal methods ({@link #send()}, {@link #send(Class)},
 * {@link #stream()}, {@link #download(Path)}). Created by {@link ApiClient#get(String)} and its siblings.
 *
 * <p>The path is a template relative to the base URL ({@code /users/{id}/videos}); {@link #pathParam} values are
 * percent-encoded as one segment each, so no value can add a {@code /} or climb with {@code ..}. The template
 * itself may not contain {@code ..} segments, control characters or a scheme unless it is an absolute URL to an
 * allowed host. The template, not the expanded path, is the {@code uri} tag of metrics.
 *
 * <p>Not thread-safe: build and send it from one thread. Sending does not change it, so it may be sent again.
 * {@snippet :
 * User user = api.get("/users/{id}").pathParam("id", 7).query("expand", "videos").send(User.class);
 * }
 */
public final class ApiRequest {
    private final RequestSender sender;
    private final HttpMethod method;
    private final String pathTemplate;
    private final Map<String, String> pathParams = new LinkedHashMap<>();
    private final List<Map.Entry<String, String>> query = new ArrayList<>();
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private @Nullable RequestBody body;
    private @Nullable Duration timeout;
    private @Nullable String idempotencyKey;
    private boolean bypassCache;

    ApiRequest(RequestSender sender, HttpMethod method, String pathTemplate) {
        this.sender = sender;
        this.method = Objects.requireNonNull(method, "method");
        this.pathTemplate = Objects.requireNonNull(pathTemplate, "path");
    }

    /**
     * Fills a {@code {name}} placeholder of the path with a value, percent-encoded as one segment.
     *
     * @param name the placeholder name
     * @param value the value ({@code toString()} is used); {@code "."} and {@code ".."} are refused when sent
     * @return this request
     */
    public ApiRequest pathParam(String name, Object value) {
        pathParams.put(Objects.requireNonNull(name, "name"), String.valueOf(Objects.requireNonNull(value, "value")));
        return this;
    }

    /**
     * Adds a query parameter; names and values are percent-encoded. Repeating a name sends it twice.
     *
     * @param name the name
     * @param value the value ({@code toString()} is used)
     * @return this request
     */
    public ApiRequest query(String name, Object value) {
        query.add(Map.entry(Objects.requireNonNull(name, "name"), String.valueOf(Objects.requireNonNull(value, "value"))));
        return this;
    }

    /**
     * Adds a header. Values with CR, LF or other control characters, or characters beyond ISO-8859-1 (which could
     * only be sent as {@code ?}), are refused when sent.
     *
     * @param name the header name
     * @param value the value
     * @return this request
     */
    public ApiRequest header(String name, String value) {
        headers.add(Map.entry(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value")));
        return this;
    }

    /**
     * Sets a JSON body: the value is written with the client's Jackson mapper (snake_case is the caller's choice
     * through annotations; records, maps and lists work as they are).
     *
     * @param value the body
     * @return this request
     */
    public ApiRequest json(Object value) {
        body = new RequestBody.Json(Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Sets a raw body.
     *
     * @param bytes the body
     * @param contentType its media type
     * @return this request
     */
    public ApiRequest body(byte[] bytes, String contentType) {
        body = new RequestBody.Bytes(bytes.clone(), Objects.requireNonNull(contentType, "contentType"));
        return this;
    }

    /**
     * Sets a {@code multipart/form-data} body; file parts are streamed from disk when sent.
     *
     * @param multipart the parts
     * @return this request
     */
    public ApiRequest multipart(Multipart multipart) {
        body = new RequestBody.Form(Objects.requireNonNull(multipart, "multipart"));
        return this;
    }

    /**
     * Overrides the config's total timeout for this call: all attempts and backoff, and every wait for a rate-limit
     * permit or for one of the host's connection slots, are included.
     *
     * @param value the deadline, positive
     * @return this request
     */
    public ApiRequest timeout(Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + value);
        }
        timeout = value;
        return this;
    }

    /**
     * Sends an {@code Idempotency-Key}, which also lets a POST or PATCH be retried.
     *
     * @param key the key, 1..255 visible ASCII characters
     * @return this request
     */
    public ApiRequest idempotencyKey(String key) {
        idempotencyKey = Objects.requireNonNull(key, "key");
        return this;
    }

    /**
     * Sends a fresh random {@code Idempotency-Key} (a UUID), the same one on every attempt of this call.
     *
     * @return this request
     */
    public ApiRequest idempotent() {
        idempotencyKey = UUID.randomUUID().toString();
        return this;
    }

    /**
     * Skips the response cache for this call (neither read nor written).
     *
     * @return this request
     */
    public ApiRequest noCache() {
        bypassCache = true;
        return this;
    }

    /**
     * Sends the request and reads the whole body (up to the config's {@code maxResponseBytes}). The call's deadline
     * ({@link #timeout} or the total timeout) covers everything, the body included, however slowly the server sends.
     *
     * @return the response, whatever its 2xx or 3xx status
     * @throws ApiException on a timeout, connection failure, open breaker, rate limit, exhausted retries, an error
     *     status ({@link UpstreamException}) or a bad path or host
     */
    public ApiResponse send() {
        return sender.send(this);
    }

    /**
     * Sends the request and maps the JSON body.
     *
     * @param type the target type
     * @param <T> the type
     * @return the value
     * @throws ResponseFormatException if the body is not JSON of that shape
     * @throws ApiException as {@link #send()}
     */
    public <T> T send(Class<T> type) {
        return send().json(type);
    }

    /**
     * Sends the request and maps the JSON body to a generic type.
     *
     * @param type the target type, e.g. {@code new TypeRef<List<User>>() {}}
     * @param <T> the type
     * @return the value
     * @throws ResponseFormatException if the body is not JSON of that shape
     * @throws ApiException as {@link #send()}
     */
    public <T> T send(TypeRef<T> type) {
        return send().json(type);
    }

    /**
     * Sends the request and returns the body as it arrives. The returned stream holds a connection and a bulkhead
     * permit until closed: use try-with-resources. Retries happen only before the response starts. The call's
     * deadline covers the request until the response's head has arrived; the body is then read under the read
     * timeout only (see {@link ApiStream}).
     *
     * @return the open response
     * @throws ApiException as {@link #send()}
     */
    public ApiStream stream() {
        return sender.stream(this);
    }

    /**
     * Sends the request and streams the body into {@code target}: first into a temporary file beside it, then
     * renamed into place, so a failed download leaves no partial file. As for {@link #stream()}, the call's deadline
     * covers the request until the response's head has arrived, and the body is then read under the read timeout.
     *
     * <p>Only a 2xx body is written: redirects are not followed, so a 3xx fails with an {@link UpstreamException}
     * and leaves {@code target} as it was.
     *
     * @param target the file to create or replace
     * @return what was written
     * @throws ApiException as {@link #send()}, {@code ApiConnectException} if the body broke off, or
     *     {@link UpstreamException} on a 3xx
     * @throws java.io.UncheckedIOException if the file cannot be written (an unwritable directory, a full disk): a
     *     local failure, not the upstream's
     */
    public DownloadResult download(Path target) {
        return sender.download(this, Objects.requireNonNull(target, "target"));
    }

    HttpMethod method() {
        return method;
    }

    String pathTemplate() {
        return pathTemplate;
    }

    Map<String, String> pathParams() {
        return pathParams;
    }

    List<Map.Entry<String, String>> queryParams() {
        return query;
    }

    List<Map.Entry<String, String>> headers() {
        return headers;
    }

    Optional<RequestBody> body() {
        return Optional.ofNullable(body);
    }

    Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    Optional<String> idempotencyKeyValue() {
        return Optional.ofNullable(idempotencyKey);
    }

    boolean bypassCache() {
        return bypassCache;
    }

    @Override
    public String toString() {
        return method + " " + pathTemplate;
    }
}
