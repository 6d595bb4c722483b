package dev.weft.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.http.ClientDisconnects;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One request being handled: the Helidon request and response, the route's path parameters, the caller and the
 * request id, with helpers that read JSON bodies within the route's limit and answer JSON.
 *
 * <p>Confined to the request's thread.
 */
public final class Exchange {
    private final ServerRequest request;
    private final ServerResponse response;
    private final Routes.Route route;
    private final Map<String, String> pathParams;
    private final @Nullable Principal principal;
    private final String requestId;
    private final Json json;
    private byte @Nullable [] body;
    private boolean streamed;

    private Exchange(ServerRequest request, ServerResponse response, Routes.Route route, Map<String, String> pathParams,
            @Nullable Principal principal, String requestId, Json json) {
        this.request = Objects.requireNonNull(request, "request");
        this.response = Objects.requireNonNull(response, "response");
        this.route = Objects.requireNonNull(route, "route");
        this.pathParams = Map.copyOf(pathParams);
        this.principal = principal;
        this.requestId = Objects.requireNonNull(requestId, "requestId");
        this.json = Objects.requireNonNull(json, "json");
    }

    /**
     * Made by the edge ({@code dev.weft.service.http}) once a route matched and its checks passed; endpoints receive
     * it and never make one.
     *
     * @param request the Helidon request
     * @param response the Helidon response
     * @param route the matched route
     * @param pathParams the route's path parameters, decoded
     * @param principal the caller; {@code null} on a public route
     * @param requestId the request id
     * @param json the service's mapper
     * @return the exchange
     */
    public static Exchange create(ServerRequest request, ServerResponse response, Routes.Route route,
            Map<String, String> pathParams, @Nullable Principal principal, String requestId, Json json) {
        return new Exchange(request, response, route, pathParams, principal, requestId, json);
    }

    /** @return the Helidon request (for streaming or multipart bodies) */
    public ServerRequest request() {
        return request;
    }

    /** @return the Helidon response (for streaming answers) */
    public ServerResponse response() {
        return response;
    }

    /** @return the matched route */
    public Routes.Route route() {
        return route;
    }

    /** @return the request id, echoed in {@code X-Request-Id} */
    public String requestId() {
        return requestId;
    }

    /**
     * @return the caller
     * @throws IllegalStateException on a public route, which has none
     */
    public Principal principal() {
        if (principal == null) {
            throw new IllegalStateException("route " + route.template() + " is public: no principal");
        }
        return principal;
    }

    /**
     * The user a list or stats call covers: the caller, or for the admin the {@code user_id} query parameter, or
     * every user when the admin names none.
     *
     * @param forbidden the detail of the 403 a user gets for naming another user
     * @return the user, or {@code null} for every user (the admin only)
     * @throws ProblemException 400 for a malformed {@code user_id}, 403 for another user's
     */
    public @Nullable Long scopedUser(String forbidden) {
        Principal caller = principal();
        if (query("user_id").isEmpty()) {
            return caller.admin() ? null : caller.userId();
        }
        long userId = dev.weft.service.data.Page.number(this::query, "user_id", 0, 1, Long.MAX_VALUE / 2);
        if (!caller.admin() && userId != caller.userId()) {
            throw ProblemException.forbidden(forbidden);
        }
        return userId;
    }

    /**
     * @param name a parameter of the route's template
     * @return its decoded value
     */
    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalStateException("route " + route.template() + " has no parameter " + name);
        }
        return value;
    }

    /**
     * @param name a parameter of the route's template naming a numeric id
     * @param what what the id names, for the 404 message, e.g. {@code user}
     * @return the id
     * @throws ProblemException 404 if the value is not a positive integer (no such resource can exist)
     */
    public long pathId(String name, String what) {
        String value = pathParam(name);
        if (value.isEmpty() || value.length() > 18 || !digitsOnly(value)) {
            throw ProblemException.notFound(what);
        }
        long id = Long.parseLong(value);
        if (id < 1) {
            throw ProblemException.notFound(what);
        }
        return id;
    }

    private static boolean digitsOnly(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** @param name a query parameter @return its first value, if present */
    public Optional<String> query(String name) {
        return request.query().first(name).asOptional();
    }

    /** @param name a request header, case-insensitive @return its first value */
    public Optional<String> header(String name) {
        return request.headers().first(HeaderNames.create(name));
    }

    /**
     * Reads the whole body, refusing one over the route's limit (413) before reading it when the length is declared,
     * and as soon as it passes the limit otherwise. A body that stalls is cut off as {@link #bodyStream()} says.
     *
     * @return the body bytes; empty if none was sent
     * @throws ProblemException 413 {@code payload_too_large}
     */
    public byte[] body() {
        if (body != null) {
            return body;
        }
        long limit = route.maxBody();
        OptionalLong declared = request.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw tooLarge(limit);
        }
        if (!request.content().hasEntity()) {
            body = new byte[0];
            return body;
        }
        try (InputStream in = bodyStream()) {
            byte[] read = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (read.length > limit) {
                throw tooLarge(limit);
            }
            body = read;
            return read;
        } catch (ClientDisconnects.Stalled e) {
            throw new UncheckedIOException("the request body stalled", e);
        } catch (IOException e) {
            throw new ClientDisconnects.Aborted(e);
        }
    }

    /**
     * The request body as a stream, for routes that read it in parts (uploads). A read that waits more than 5 s for
     * the next bytes closes the connection and throws; the edge then counts the request as 408, and a client that
     * closes or resets the connection midway as 499, neither as a server error. A chunked body whose chunk size
     * cannot be read throws {@link ClientDisconnects.MalformedBody}: the edge answers it 400 {@code bad_request} and
     * closes the connection. The caller closes the stream.
     *
     * @return the open body stream; empty if no body was sent
     */
    public InputStream bodyStream() {
        return ClientDisconnects.guard(request.content().inputStream());
    }

    /**
     * Reads a JSON body into a record. The content type must be JSON (415 otherwise); malformed JSON, wrong types,
     * too large numbers and unknown fields are 400s naming the field; the record's own validation runs too.
     *
     * @param type the record type
     * @param <T> the type
     * @return the value
     */
    public <T> T json(Class<T> type) {
        requireJson();
        return json.read(body(), type);
    }

    /**
     * As {@link #json(Class)}, with the decimals of its trees kept as written ({@link Json#readExact}).
     *
     * @param type the target type
     * @param <T> the type
     * @return the value
     * @throws ProblemException 415 for another content type, 400 for a body that is not one
     */
    public <T> T jsonExact(Class<T> type) {
        requireJson();
        return json.readExact(body(), type);
    }

    /**
     * Reads a JSON object body as a tree, for partial updates where absent and {@code null} differ.
     *
     * @return the object
     * @throws ProblemException 415 for another content type, 400 for malformed JSON or anything but an object
     */
    public JsonNode jsonObject() {
        requireJson();
        JsonNode node = json.readTree(body());
        if (!node.isObject()) {
            throw ProblemException.of(400, "invalid_body", "the body must be a JSON object");
        }
        return node;
    }

    /** @throws ProblemException 415 unless the request declares a JSON content type */
    public void requireJson() {
        Optional<HttpMediaType> type;
        try {
            type = request.headers().contentType();
        } catch (io.helidon.http.BadRequestException e) {
            // Helidon parses the header lazily, here: one it cannot read was a 500
            throw ProblemException.of(415, "unsupported_media_type", "the Content-Type header cannot be read; the "
                    + "body must be application/json");
        }
        boolean isJson = type.isPresent() && (type.get().mediaType().subtype().equals("json")
                || type.get().mediaType().subtype().endsWith("+json"))
                && type.get().mediaType().type().equals("application");
        if (!isJson) {
            throw ProblemException.of(415, "unsupported_media_type", "the body must be application/json");
        }
    }

    /**
     * Answers JSON.
     *
     * @param status the status
     * @param value the body, serialized with the service's mapper
     */
    public void send(int status, Object value) {
        sendJson(status, json.write(Objects.requireNonNull(value, "value")));
    }

    /**
     * Answers bytes that are already JSON (an idempotent replay).
     *
     * @param status the status
     * @param bytes the JSON body
     */
    public void sendJson(int status, byte[] bytes) {
        response.status(status == 200 ? Status.OK_200 : Status.create(status));
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(bytes);
    }

    /**
     * Starts a streamed answer: sets the status and content type and returns the body's stream, which the caller
     * closes to complete the response. Use this rather than {@code response().outputStream()}, so that the edge knows
     * the answer has begun and does not try to send another.
     *
     * @param status the status
     * @param contentType the content type
     * @return the open body stream
     */
    public java.io.OutputStream stream(int status, String contentType) {
        response.status(Status.create(status));
        response.header(HeaderNames.CONTENT_TYPE, contentType);
        streamed = true;
        return response.outputStream();
    }

    /** @return whether {@link #stream(int, String)} began the answer */
    public boolean streamed() {
        return streamed;
    }

    /** Answers {@code 204 No Content}. */
    public void noContent() {
        response.status(Status.NO_CONTENT_204);
        response.send();
    }

    /**
     * Sets a response header. Its name and value are checked here (the edge turns off Helidon's check of every
     * header it writes, since weft's own are constants).
     *
     * @param name header name
     * @param value header value
     * @throws IllegalArgumentException for a name or value HTTP does not allow (a line break, a control character)
     */
    public void responseHeader(String name, String value) {
        Header header = HeaderValues.create(HeaderNames.create(name), value);
        header.validate();
        response.header(header);
    }

    /** @return the service's JSON mapper */
    public Json json() {
        return json;
    }

    private static ProblemException tooLarge(long limit) {
        return ProblemException.of(413, "payload_too_large", "the body is larger than " + limit + " bytes");
    }
}
