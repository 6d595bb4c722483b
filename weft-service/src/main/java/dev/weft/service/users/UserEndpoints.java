package dev.weft.service.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.service.Access;
import dev.weft.service.Exchange;
import dev.weft.service.Idempotency;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.ShownOnceSecret;
import dev.weft.service.Routes;
import dev.weft.service.data.Page;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.UserRow;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP side of users and credits: {@code /users}, {@code /users/batch}, {@code /users/stream},
 * {@code /users/{id}}, {@code /users/{id}/stats}, {@code /user-profile/{id}} and {@code /transfer}. Each handler
 * parses the request, calls {@link Users} and writes the answer; the use cases live there.
 *
 * <p>Thread-safe.
 */
public final class UserEndpoints implements RouteModule {
    private static final HeaderName X_CACHE = HeaderNames.create("X-Cache");
    /** The answers' {@code X-Cache} headers, made once rather than per request. */
    private static final Header CACHE_HIT = HeaderValues.createCached(X_CACHE, "hit");
    private static final Header CACHE_MISS = HeaderValues.createCached(X_CACHE, "miss");
    /** The most field errors one refused batch lists. */
    static final int MAX_BATCH_ERRORS = 1000;
    /** The body limit of a batch: 10,000 users of the longest allowed fields, as JSON, fit in it. */
    static final long BATCH_MAX_BODY = 8L << 20;

    private final Users users;
    private final long maxBody;
    /**
     * @param users the use cases
     * @param maxBody the service's body limit (a batch may send more)
     */
    public UserEndpoints(Users users, long maxBody) {
        this.users = Objects.requireNonNull(users, "users");
        this.maxBody = maxBody;
    }

    @Override
    public void routes(Routes routes) {
        routes.post("/users", Access.ADMIN, this::create)
                .get("/users", Access.ADMIN, this::list)
                .route(Method.POST, "/users/batch", Access.ADMIN, Math.max(maxBody, BATCH_MAX_BODY), this::createBatch)
                .get("/users/stream", Access.ADMIN, this::stream)
                .get("/users/{id}", Access.AUTHENTICATED, this::get)
                .patch("/users/{id}", Access.AUTHENTICATED, this::update)
                .delete("/users/{id}", Access.ADMIN, this::delete)
                .post("/users/{id}/api-key", Access.AUTHENTICATED, this::rotateKey)
                .get("/users/{id}/stats", Access.AUTHENTICATED, this::stats)
                .get("/user-profile/{id}", Access.AUTHENTICATED, this::profile)
                .post("/transfer", Access.AUTHENTICATED, this::transfer);
    }

    private void create(Exchange exchange) {
        Idempotency.send(exchange, users.create(Idempotency.request(exchange), () -> exchange.json(CreateUserRequest.class)));
    }

    private void createBatch(Exchange exchange) {
        Idempotency.send(exchange, users.createBatch(Idempotency.request(exchange), () -> {
            try {
                return Objects.requireNonNull(exchange.json(BatchCreateRequest.class).users());
            } catch (ProblemException invalid) {
                throw everyInvalidItem(exchange, invalid);
            }
        }));
    }

    /**
     * Jackson stops at the first item whose constructor refuses it; an import of thousands of users would then learn
     * of its mistakes one request at a time. When that first refusal is an invalid item, each item is read again on
     * its own, so the answer names every invalid field of every item (the first {@value #MAX_BATCH_ERRORS}).
     *
     * @param exchange the request, whose body failed to read as a batch
     * @param first what that reading threw
     * @return the problem to answer with: {@code first} itself unless it was an invalid item
     */
    private static ProblemException everyInvalidItem(Exchange exchange, ProblemException first) {
        if (!"validation_failed".equals(first.code()) || first.errors().isEmpty()
                || !first.errors().getFirst().field().startsWith("users[")) {
            return first;
        }
        JsonNode items = exchange.json().readTree(exchange.body()).path("users");
        List<ProblemException.FieldError> errors = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            try {
                exchange.json().read(exchange.json().write(items.get(i)), CreateUserRequest.class);
            } catch (ProblemException item) {
                String prefix = "users[" + i + "]";
                invalid.add(prefix);
                List<ProblemException.FieldError> found = item.errors().isEmpty()
                        ? List.of(new ProblemException.FieldError("", "must be an object")) : item.errors();
                for (ProblemException.FieldError error : found) {
                    if (errors.size() < MAX_BATCH_ERRORS) {
                        errors.add(new ProblemException.FieldError(error.field().isEmpty() ? prefix
                                : prefix + "." + error.field(), error.message()));
                    }
                }
            }
        }
        if (errors.isEmpty()) {
            return first;
        }
        return ProblemException.invalid("validation_failed", invalid.size() + " of " + items.size()
                + " users are invalid: " + String.join(", ", invalid.subList(0, Math.min(invalid.size(), 10)))
                + (invalid.size() > 10 ? ", ..." : ""), errors);
    }

    private void list(Exchange exchange) {
        Page page = Page.parse(exchange::query, UserRepository.ORDER_COLUMNS, "id");
        Boolean active = booleanParam(exchange, "is_active");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", users.list(page, active));
        body.put("total", users.count(active));
        body.put("limit", page.limit());
        body.put("offset", page.offset());
        exchange.send(200, body);
    }

    private void stream(Exchange exchange) throws IOException {
        Boolean active = booleanParam(exchange, "is_active");
        try (Stream<UserRow> rows = users.stream(active)) {
            try (OutputStream out = exchange.stream(200, "application/x-ndjson")) {
                rows.forEach(user -> {
                    try {
                        out.write(exchange.json().write(user));
                        out.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    private void get(Exchange exchange) {
        exchange.send(200, users.get(exchange.principal(), exchange.pathId("id", "user")));
    }

    private void update(Exchange exchange) {
        boolean admin = exchange.principal().admin();
        exchange.send(200, users.update(exchange.principal(), exchange.pathId("id", "user"),
                () -> UserPatch.parse(exchange.jsonObject(), admin)));
    }

    private void delete(Exchange exchange) {
        users.delete(exchange.pathId("id", "user"));
        exchange.noContent();
    }

    private void rotateKey(Exchange exchange) {
        ObjectNode rotated = users.rotateKey(exchange.principal(), exchange.pathId("id", "user"));
        ShownOnceSecret.noStore(exchange); // the new key, shown once
        exchange.send(200, rotated);
    }

    private void stats(Exchange exchange) {
        exchange.send(200, users.stats(exchange.principal(), exchange.pathId("id", "user")));
    }

    private void profile(Exchange exchange) {
        Users.ProfileRead read = users.profile(exchange.principal(), exchange.pathId("id", "user"));
        // the JSON is rendered once per cached profile and kept with it: a hit is not a Jackson serialization (a
        // quarter of a hit's CPU samples)
        exchange.response().header(read.cached() ? CACHE_HIT : CACHE_MISS);
        exchange.sendJson(200, read.profile().json(exchange.json()::write));
    }

    private void transfer(Exchange exchange) {
        Idempotency.send(exchange, users.transfer(exchange.principal(), Idempotency.request(exchange),
                () -> exchange.json(TransferRequest.class)));
    }

    private static @Nullable Boolean booleanParam(Exchange exchange, String name) {
        Optional<String> value = exchange.query(name);
        if (value.isEmpty()) {
            return null;
        }
        return switch (value.get()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ProblemException.invalid("invalid_parameter", name + " must be true or false",
                    List.of(new ProblemException.FieldError(name, "must be true or false")));
        };
    }
}
