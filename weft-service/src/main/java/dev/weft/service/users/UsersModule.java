package dev.weft.service.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.weft.cache.Cache;
import dev.weft.cache.TypeRef;
import dev.weft.db.ConstraintViolationException;
import dev.weft.db.Database;
import dev.weft.service.Access;
import dev.weft.service.ApiKeys;
import dev.weft.service.Exchange;
import dev.weft.service.Idempotency;
import dev.weft.service.ProblemException;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import dev.weft.service.Validation;
import dev.weft.service.data.Page;
import dev.weft.service.data.Uploads;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.UserRow;
import dev.weft.service.data.UserStats;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Users, credits and profiles: {@code /users}, {@code /users/batch}, {@code /users/stream},
 * {@code /users/{id}}, {@code /users/{id}/stats}, {@code /user-profile/{id}} and {@code /transfer}. A user key sees
 * only its own user (404 for others).
 *
 * <p>Thread-safe.
 */
public final class UsersModule implements RouteModule {
    /** How long a profile stays cached (it is invalidated on every change anyway). */
    static final Duration PROFILE_TTL = Duration.ofMinutes(5);
    /** As many rendered profiles as the profile cache holds locally. */
    private static final long RENDERED_PROFILES = 10_000;
    private static final HeaderName X_CACHE = HeaderNames.create("X-Cache");
    /** The body limit of a batch: 10,000 users of the longest allowed fields, as JSON, fit in it. */
    static final long BATCH_MAX_BODY = 8L << 20;
    private static final Set<String> PATCH_FIELDS = Set.of("email", "username", "full_name", "is_active", "credits");
    private static final Set<String> ADMIN_ONLY_FIELDS = Set.of("is_active", "credits");

    private final ServiceContext context;
    private final UserRepository users;
    private final Database db;
    private final Cache profiles;
    /**
     * The JSON of each cached profile, kept as long as the cache holds that very profile object: a hit is then a
     * lookup, not a Jackson serialization (a quarter of a hit's CPU samples). Weak keys compare by identity, so the
     * bytes of a replaced or invalidated profile go with it.
     */
    private final com.github.benmanes.caffeine.cache.Cache<UserProfile, byte[]> renderedProfiles =
            Caffeine.newBuilder().weakKeys().maximumSize(RENDERED_PROFILES).build();
    private final Idempotency idempotency;

    /** @param context the service context */
    public UsersModule(ServiceContext context) {
        this.context = Objects.requireNonNull(context, "context");
        this.users = context.users();
        this.db = context.database();
        this.profiles = context.profiles();
        this.idempotency = new Idempotency(context);
    }

    @Override
    public void routes(Routes routes) {
        routes.post("/users", Access.ADMIN, this::create)
                .get("/users", Access.ADMIN, this::list)
                .route(io.helidon.http.Method.POST, "/users/batch", Access.ADMIN,
                        Math.max(context.config().maxBody(), BATCH_MAX_BODY), this::createBatch)
                .get("/users/stream", Access.ADMIN, this::stream)
                .get("/users/{id}", Access.AUTHENTICATED, this::get)
                .patch("/users/{id}", Access.AUTHENTICATED, this::update)
                .delete("/users/{id}", Access.ADMIN, this::delete)
                .get("/users/{id}/stats", Access.AUTHENTICATED, this::stats)
                .get("/user-profile/{id}", Access.AUTHENTICATED, this::profile)
                .post("/transfer", Access.AUTHENTICATED, this::transfer);
    }

    private void create(Exchange exchange) {
        idempotency.run(exchange, () -> {
            CreateUserRequest request = exchange.json(CreateUserRequest.class);
            String key = ApiKeys.newUserKey();
            UserRow user;
            try {
                user = users.insert(db, newUser(request, key));
            } catch (ConstraintViolationException e) {
                throw duplicate(request, null);
            }
            return new Idempotency.Answer(201, withKey(exchange, user, key), Map.of("Location", "/users/" + user.id()));
        });
    }

    private void createBatch(Exchange exchange) {
        BatchCreateRequest request = exchange.json(BatchCreateRequest.class);
        Map<String, Integer> emails = new HashMap<>();
        Map<String, Integer> usernames = new HashMap<>();
        List<CreateUserRequest> items = Objects.requireNonNull(request.users()); // the record validated it
        for (int i = 0; i < items.size(); i++) {
            CreateUserRequest item = items.get(i);
            Integer earlier = emails.putIfAbsent(Objects.requireNonNull(item.email()).toLowerCase(Locale.ROOT), i);
            if (earlier != null) {
                throw conflict("duplicate_email", "users[" + i + "].email", "users[" + i
                        + "]: email repeats users[" + earlier + "]");
            }
            earlier = usernames.putIfAbsent(Objects.requireNonNull(item.username()), i);
            if (earlier != null) {
                throw conflict("duplicate_username", "users[" + i + "].username", "users[" + i
                        + "]: username repeats users[" + earlier + "]");
            }
        }
        List<Object> created;
        try {
            created = context.database().inTransaction(tx -> {
                List<Object> out = new ArrayList<>(items.size());
                for (int i = 0; i < items.size(); i++) {
                    String key = ApiKeys.newUserKey();
                    try {
                        out.add(withKey(exchange, users.insert(tx, newUser(items.get(i), key)), key));
                    } catch (ConstraintViolationException e) {
                        throw new BatchConflict(i);
                    }
                }
                return out;
            });
        } catch (BatchConflict conflict) {
            // named after the rollback: PostgreSQL refuses every statement in a failed transaction
            throw duplicate(items.get(conflict.index), "users[" + conflict.index + "]");
        }
        exchange.send(201, Map.of("created", created));
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
        long id = visibleUserId(exchange);
        exchange.send(200, users.findById(id).orElseThrow(() -> ProblemException.notFound("user " + id)));
    }

    private void update(Exchange exchange) {
        long id = visibleUserId(exchange);
        JsonNode body = exchange.jsonObject();
        Map<String, Object> changes = new LinkedHashMap<>();
        Validation validation = Validation.start();
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (!PATCH_FIELDS.contains(name)) {
                throw ProblemException.invalid("unknown_field", "unknown field '" + name + "'",
                        List.of(new ProblemException.FieldError(name, "unknown field")));
            }
            if (ADMIN_ONLY_FIELDS.contains(name) && !exchange.principal().admin()) {
                throw ProblemException.of(403, "forbidden_field", name + " may be changed by the admin only");
            }
            switch (name) {
                case "email", "username" -> {
                    if (!value.isTextual()) {
                        validation.fail(name, "must be a string");
                    } else if (name.equals("email")) {
                        validation.email(name, value.asText());
                    } else {
                        validation.username(name, value.asText());
                    }
                }
                case "full_name" -> {
                    if (!value.isTextual() && !value.isNull()) {
                        validation.fail(name, "must be a string or null");
                    } else if (value.isTextual()) {
                        validation.text(name, value.asText(), 200);
                    }
                }
                case "is_active" -> {
                    if (!value.isBoolean()) {
                        validation.fail(name, "must be true or false");
                    }
                }
                case "credits" -> {
                    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                        validation.fail(name, "must be an integer between 0 and " + Validation.MAX_CREDITS);
                    } else {
                        validation.range(name, value.longValue(), 0, Validation.MAX_CREDITS);
                    }
                }
                default -> throw new IllegalStateException(name);
            }
            changes.put(name, value.isNull() ? null : value.isBoolean() ? value.booleanValue()
                    : value.isIntegralNumber() && value.canConvertToLong() ? value.longValue() : value.asText());
        }
        validation.check();
        UserRow updated;
        if (changes.isEmpty()) {
            updated = users.findById(id).orElseThrow(() -> ProblemException.notFound("user " + id));
        } else {
            try {
                updated = users.update(db, id, changes).orElseThrow(() -> ProblemException.notFound("user " + id));
            } catch (ConstraintViolationException e) {
                String email = changes.get("email") instanceof String text ? text : null;
                String username = changes.get("username") instanceof String text ? text : null;
                throw duplicate(new CreateUserRequestLike(email, username), null, id);
            }
            context.invalidateUser(id);
        }
        exchange.send(200, updated);
    }

    private void delete(Exchange exchange) {
        long id = exchange.pathId("id", "user");
        List<String> uploads = new ArrayList<>();
        boolean deleted = context.database().inTransaction(tx -> {
            uploads.addAll(context.videos().storagePaths(tx, id));
            return users.delete(tx, id);
        });
        if (!deleted) {
            throw ProblemException.notFound("user " + id);
        }
        context.invalidateUser(id);
        // after the commit: the rows that named the files are gone; a file that stays is logged, not a 5xx
        Uploads.delete(uploads, "user_deleted");
        exchange.noContent();
    }

    private void stats(Exchange exchange) {
        long id = visibleUserId(exchange);
        exchange.send(200, users.getUserStats(id).orElseThrow(() -> ProblemException.notFound("user " + id)));
    }

    private void profile(Exchange exchange) {
        long id = visibleUserId(exchange);
        String key = context.profileKey(id);
        Optional<UserProfile> cached = profiles.get(key, UserProfile.class);
        if (cached.isPresent()) {
            exchange.response().header(X_CACHE, "hit");
            exchange.sendJson(200, renderedProfiles.get(cached.get(), context.json()::write));
            return;
        }
        UserProfile loaded = profiles.getOrLoad(key, TypeRef.of(UserProfile.class), PROFILE_TTL,
                Set.of(context.userTag(id)), () -> load(id));
        if (loaded == null) {
            throw ProblemException.notFound("user " + id);
        }
        exchange.response().header(X_CACHE, "miss");
        exchange.send(200, loaded);
    }

    private @Nullable UserProfile load(long id) {
        Optional<UserRow> user = users.findById(id);
        Optional<UserStats> stats = users.getUserStats(id);
        if (user.isEmpty() || stats.isEmpty()) {
            return null;
        }
        return UserProfile.of(user.get(), stats.get());
    }

    private void transfer(Exchange exchange) {
        idempotency.run(exchange, () -> {
            TransferRequest request = exchange.json(TransferRequest.class);
            long from = Objects.requireNonNull(request.fromUserId());
            long to = Objects.requireNonNull(request.toUserId());
            long amount = Objects.requireNonNull(request.amount());
            if (!exchange.principal().mayAccessUser(from)) {
                throw ProblemException.notFound("user " + from);
            }
            Map<String, Object> result = context.database().inTransaction(tx -> {
                Map<Long, Long> balances = users.lockBalances(tx, db.type(), Math.min(from, to), Math.max(from, to));
                if (!balances.containsKey(from)) {
                    throw ProblemException.notFound("user " + from);
                }
                if (!balances.containsKey(to)) {
                    throw ProblemException.notFound("user " + to);
                }
                if (balances.get(from) < amount) {
                    throw ProblemException.of(409, "insufficient_credits", "user " + from + " has fewer than " + amount
                            + " credits");
                }
                if (balances.get(to) > Validation.MAX_CREDITS - amount) {
                    throw ProblemException.of(409, "credit_limit", "user " + to + " would hold more than "
                            + Validation.MAX_CREDITS + " credits");
                }
                long fromBalance = users.addCredits(tx, from, -amount);
                long toBalance = users.addCredits(tx, to, amount);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("from_user_id", from);
                out.put("to_user_id", to);
                out.put("amount", amount);
                out.put("from_balance", fromBalance);
                out.put("to_balance", toBalance);
                out.put("transfer_id", UUID.randomUUID().toString());
                return out;
            });
            context.invalidateUser(from);
            context.invalidateUser(to);
            return new Idempotency.Answer(200, result, Map.of());
        });
    }

    /** The path's user id, if the caller may see that user; 404 otherwise (never revealing existence). */
    private static long visibleUserId(Exchange exchange) {
        long id = exchange.pathId("id", "user");
        if (!exchange.principal().mayAccessUser(id)) {
            throw ProblemException.notFound("user " + id);
        }
        return id;
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

    private static UserRepository.NewUser newUser(CreateUserRequest request, String key) {
        return new UserRepository.NewUser(Objects.requireNonNull(request.email()),
                Objects.requireNonNull(request.username()), request.fullName(),
                request.credits() == null ? 0 : request.credits(), ApiKeys.sha256(key));
    }

    private static ObjectNode withKey(Exchange exchange, UserRow user, String key) {
        ObjectNode node = exchange.json().mapper().valueToTree(user);
        node.put("api_key", key);
        return node;
    }

    /** A batch item hit a unique constraint; carries its index out of the rolled-back transaction. */
    private static final class BatchConflict extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int index;

        BatchConflict(int index) {
            super("batch item " + index + " conflicts", null, false, false);
            this.index = index;
        }
    }

    /** The two unique fields of a create or update. */
    private record CreateUserRequestLike(@Nullable String email, @Nullable String username) {
    }

    private ProblemException duplicate(CreateUserRequest request, @Nullable String prefix) {
        return duplicate(new CreateUserRequestLike(request.email(), request.username()), prefix, 0);
    }

    /** Names the field a unique violation was about, by looking for the other holder of each value. */
    private ProblemException duplicate(CreateUserRequestLike request, @Nullable String prefix, long self) {
        String at = prefix == null ? "" : prefix + ".";
        if (request.email() != null && users.getByEmail(request.email()).filter(user -> user.id() != self)
                .isPresent()) {
            return conflict("duplicate_email", at + "email", (prefix == null ? "" : prefix + ": ")
                    + "a user with this email exists");
        }
        if (request.username() != null) {
            return conflict("duplicate_username", at + "username", (prefix == null ? "" : prefix + ": ")
                    + "a user with this username exists");
        }
        return conflict("duplicate_user", prefix == null ? "user" : prefix, "a conflicting user exists");
    }

    private static ProblemException conflict(String code, String field, String message) {
        return ProblemException.ofErrors(409, code, message, List.of(new ProblemException.FieldError(field, message)));
    }
}
