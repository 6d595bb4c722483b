package dev.weft.service.users;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.cache.Cache;
import dev.weft.cache.TypeRef;
import dev.weft.core.ConflictException;
import dev.weft.core.NotFoundException;
import dev.weft.db.ConstraintViolationException;
import dev.weft.db.Database;
import dev.weft.service.ApiKeys;
import dev.weft.service.CacheKeys;
import dev.weft.service.Idempotency;
import dev.weft.service.Json;
import dev.weft.service.Principal;
import dev.weft.service.ProblemException;
import dev.weft.service.ServiceContext;
import dev.weft.service.ShownOnceSecret;
import dev.weft.service.Validation;
import dev.weft.service.data.Page;
import dev.weft.service.data.Uploads;
import dev.weft.service.data.UserRepository;
import dev.weft.service.data.UserRow;
import dev.weft.service.data.UserStats;
import dev.weft.service.data.VideoRepository;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The users use cases: create and batch create (both idempotent), list, stream, read, update, delete, stats, the
 * cached profile and the credit transfer (idempotent). Each owns its transaction, the cache invalidation that follows a
 * change, and the rule that a user key sees only its own user (another user is a 404, never revealing existence).
 * HTTP stays in {@link UserEndpoints}.
 *
 * <p>Repositories take the open transaction explicitly ({@code tx}); a call without one runs on its own.
 *
 * <p>Thread-safe.
 */
public final class Users {
    /** The member a new or rotated key is shown in, once. */
    private static final String API_KEY = "api_key";
    private static final String BATCH_MEMBER = "created";

    private final ServiceContext context;
    private final UserRepository users;
    private final VideoRepository videos;
    private final Database db;
    private final Cache profiles;
    private final CacheKeys keys;
    private final Json json;
    private final Idempotency idempotency;

    /**
     * @param context the service context (repositories, database, profile cache)
     * @param idempotency the idempotency records of every POST
     */
    public Users(ServiceContext context, Idempotency idempotency) {
        this.context = Objects.requireNonNull(context, "context");
        this.idempotency = Objects.requireNonNull(idempotency, "idempotency");
        this.users = context.users();
        this.videos = context.videos();
        this.db = context.database();
        this.profiles = context.profiles();
        this.keys = context.cacheKeys();
        this.json = context.json();
    }

    /**
     * A profile and where it came from.
     *
     * @param profile the profile, as the cache keeps it (with its JSON once rendered)
     * @param cached whether the cache had it
     */
    public record ProfileRead(CachedProfile profile, boolean cached) {
    }

    /**
     * Creates a user with a fresh API key, once per idempotency key.
     *
     * @param request the caller, key and fingerprint
     * @param body reads the new user; called only once the key is claimed, so a reused key is judged by its
     *     fingerprint before the body is validated
     * @return 201 with the user, its key (shown once) and {@code Location}
     * @throws ProblemException 409 {@code duplicate_email} / {@code duplicate_username} naming the field
     */
    public Idempotency.Answer create(Idempotency.Request request, Supplier<CreateUserRequest> body) {
        // the answer kept for replays holds the key sealed: idempotency_keys holds no usable key
        ShownOnceSecret apiKey = new ShownOnceSecret(API_KEY, context.secretBox());
        return apiKey.reveal(idempotency.run(request, () -> {
            CreateUserRequest user = body.get();
            String key = ApiKeys.newUserKey();
            UserRow created;
            try {
                created = users.insert(db, newUser(user, key));
            } catch (ConstraintViolationException e) {
                throw duplicate(user.email(), user.username(), null, 0);
            }
            ObjectNode answer = json.mapper().valueToTree(created);
            answer.put(apiKey.sealedMember(), apiKey.seal(key));
            return new Idempotency.Answer(201, answer, Map.of("Location", "/users/" + created.id()));
        }));
    }

    /**
     * Creates every user of a batch in one transaction, or none, once per idempotency key: a client whose answer was
     * lost after the commit gets the same users and keys again instead of a 409 for users it cannot sign in as.
     *
     * @param request the caller, key and fingerprint
     * @param body reads the users; called only once the key is claimed
     * @return 201 {@code {"created":[...]}}, each user with its key, shown once ({@code Cache-Control: no-store});
     *     the answer kept for replays holds the keys sealed
     * @throws ProblemException 409 naming the first item that repeats another or an existing user
     */
    public Idempotency.Answer createBatch(Idempotency.Request request, Supplier<List<CreateUserRequest>> body) {
        ShownOnceSecret apiKey = new ShownOnceSecret(API_KEY, context.secretBox());
        // only an answer that is kept holds its keys sealed (a cipher each way per user); the others hold them plain
        Function<String, Map.Entry<String, String>> keyMember = request.key() == null
                ? key -> Map.entry(API_KEY, key) : key -> Map.entry(apiKey.sealedMember(), apiKey.seal(key));
        return apiKey.revealEach(idempotency.run(request, () -> {
            ObjectNode answer = json.mapper().createObjectNode();
            answer.putArray(BATCH_MEMBER).addAll(insertAll(body.get(), keyMember));
            return new Idempotency.Answer(201, answer, Map.of());
        }), BATCH_MEMBER);
    }

    /**
     * @param keyMember the member, and its value, that an item's answer shows its new key as
     * @return each item created, as its answer shows it; built before the commit, so that once the users exist
     *     nothing is left to fail before the answer is stored
     */
    private List<ObjectNode> insertAll(List<CreateUserRequest> items,
            Function<String, Map.Entry<String, String>> keyMember) {
        Map<String, Integer> emails = new HashMap<>();
        Map<String, Integer> usernames = new HashMap<>();
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
        try {
            return db.inTransaction(tx -> {
                List<ObjectNode> out = new ArrayList<>(items.size());
                for (int i = 0; i < items.size(); i++) {
                    String key = ApiKeys.newUserKey();
                    UserRow created;
                    try {
                        created = users.insert(tx, newUser(items.get(i), key));
                    } catch (ConstraintViolationException e) {
                        throw new BatchConflict(i);
                    }
                    ObjectNode item = json.mapper().valueToTree(created);
                    Map.Entry<String, String> shown = keyMember.apply(key);
                    item.put(shown.getKey(), shown.getValue());
                    out.add(item);
                }
                return out;
            });
        } catch (BatchConflict conflict) {
            // named after the rollback: PostgreSQL refuses every statement in a failed transaction
            CreateUserRequest item = items.get(conflict.index);
            throw duplicate(item.email(), item.username(), "users[" + conflict.index + "]", 0);
        }
    }

    /** @param page the page @param active the filter, or {@code null} @return one page of users */
    public List<UserRow> list(Page page, @Nullable Boolean active) {
        return users.list(page, active);
    }

    /** @param active the filter, or {@code null} @return how many users match */
    public long count(@Nullable Boolean active) {
        return users.count(active);
    }

    /**
     * @param active the filter, or {@code null}
     * @return every matching user; an open resource, close it
     */
    public Stream<UserRow> stream(@Nullable Boolean active) {
        return users.stream(active);
    }

    /**
     * @param caller who asks
     * @param id the user
     * @return the user
     * @throws NotFoundException if there is none, or the caller may not see it
     */
    public UserRow get(Principal caller, long id) {
        visible(caller, id);
        return users.findById(id).orElseThrow(() -> notFound(id));
    }

    /**
     * Applies checked changes ({@link UserPatch}) and drops the user's cached entries.
     *
     * @param caller who asks
     * @param id the user
     * @param patch reads the checked changes (column → new value; empty reads the user), once the caller is known
     *     to see the user
     * @return the user as stored
     * @throws NotFoundException if there is none, or the caller may not see it
     * @throws ProblemException 409 if the new email or username is taken
     */
    public UserRow update(Principal caller, long id, Supplier<Map<String, @Nullable Object>> patch) {
        visible(caller, id);
        Map<String, @Nullable Object> changes = patch.get();
        if (changes.isEmpty()) {
            return users.findById(id).orElseThrow(() -> notFound(id));
        }
        UserRow updated;
        // the key's cached principal must go when the user is deactivated: read its hash first (the key can only
        // change by a rotation, which drops the old hash's entry itself)
        Optional<String> keyHash = changes.containsKey("is_active")
                ? users.storedKey(db, id).map(UserRepository.StoredKey::apiKeyHash) : Optional.empty();
        try {
            updated = users.update(db, id, changes).orElseThrow(() -> notFound(id));
        } catch (ConstraintViolationException e) {
            String email = changes.get("email") instanceof String text ? text : null;
            String username = changes.get("username") instanceof String text ? text : null;
            throw duplicate(email, username, null, id);
        }
        context.invalidateUser(id);
        keyHash.ifPresent(context::invalidateApiKey);
        return updated;
    }

    /**
     * Deletes a user with its videos and usage, then its uploaded files (after the commit: a file that stays is
     * logged, not an error).
     *
     * @param id the user
     * @throws NotFoundException if there is none
     */
    public void delete(long id) {
        List<String> uploads = new ArrayList<>();
        Optional<UserRepository.StoredKey> deleted = db.inTransaction(tx -> {
            Optional<UserRepository.StoredKey> key = users.storedKey(tx, id);
            uploads.addAll(videos.storagePaths(tx, id));
            return users.delete(tx, id) ? key : Optional.<UserRepository.StoredKey>empty();
        });
        if (deleted.isEmpty()) {
            throw notFound(id);
        }
        context.invalidateUser(id);
        String keyHash = deleted.get().apiKeyHash();
        if (keyHash != null) {
            context.invalidateApiKey(keyHash);
        }
        Uploads.delete(uploads, "user_deleted");
    }

    /**
     * Gives a user a new API key and retires the old one at once: the old key's cached principal is dropped after the
     * commit, on every instance when the cache is shared.
     *
     * @param caller who asks; a user key may rotate only its own key
     * @param id the user
     * @return the user and its new key (shown once)
     * @throws NotFoundException if there is none, or the caller may not see it
     */
    public ObjectNode rotateKey(Principal caller, long id) {
        visible(caller, id);
        String key = ApiKeys.newUserKey();
        String newHash = ApiKeys.sha256(key);
        while (true) {
            String oldHash = users.storedKey(db, id).orElseThrow(() -> notFound(id)).apiKeyHash();
            if (users.replaceApiKey(db, id, oldHash, newHash)) {
                if (oldHash != null) {
                    context.invalidateApiKey(oldHash);
                }
                context.invalidateUser(id);
                UserRow user = users.findById(id).orElseThrow(() -> notFound(id));
                return withKey(user, key);
            }
            // another rotation replaced the key between the read and the write: read the key it left
        }
    }

    /**
     * @param caller who asks
     * @param id the user
     * @return the user's video and usage figures
     * @throws NotFoundException if there is none, or the caller may not see it
     */
    public UserStats stats(Principal caller, long id) {
        visible(caller, id);
        return users.getUserStats(id).orElseThrow(() -> notFound(id));
    }

    /**
     * The user with its stats, read through the profile cache ({@link CacheKeys#profile}, tagged with
     * {@link CacheKeys#userTag}).
     *
     * @param caller who asks
     * @param id the user
     * @return the profile and whether it was cached
     * @throws NotFoundException if there is none, or the caller may not see it
     */
    public ProfileRead profile(Principal caller, long id) {
        visible(caller, id);
        String key = keys.profile(id);
        Optional<CachedProfile> cached = profiles.get(key, CachedProfile.class);
        if (cached.isPresent()) {
            return new ProfileRead(cached.get(), true);
        }
        CachedProfile loaded = profiles.getOrLoad(key, TypeRef.of(CachedProfile.class), CacheKeys.PROFILE_TTL,
                java.util.Set.of(keys.userTag(id)), () -> load(id));
        if (loaded == null) {
            throw notFound(id);
        }
        return new ProfileRead(loaded, false);
    }

    private @Nullable CachedProfile load(long id) {
        Optional<UserRow> user = users.findById(id);
        Optional<UserStats> stats = users.getUserStats(id);
        if (user.isEmpty() || stats.isEmpty()) {
            return null;
        }
        return new CachedProfile(UserProfile.of(user.get(), stats.get()));
    }

    /**
     * Moves credits between two users in one transaction (both rows locked in id order), once per idempotency key,
     * and drops both users' cached entries.
     *
     * @param caller who asks; a user key may move only its own credits
     * @param request the caller, key and fingerprint
     * @param body reads the transfer once the key is claimed
     * @return 200 with both balances and a transfer id
     * @throws NotFoundException for an unknown user, or one the caller may not touch
     * @throws ConflictException {@code insufficient_credits} or {@code credit_limit}
     */
    public Idempotency.Answer transfer(Principal caller, Idempotency.Request request, Supplier<TransferRequest> body) {
        return idempotency.run(request, () -> {
            TransferRequest transfer = body.get();
            long from = Objects.requireNonNull(transfer.fromUserId());
            long to = Objects.requireNonNull(transfer.toUserId());
            long amount = Objects.requireNonNull(transfer.amount());
            visible(caller, from);
            Map<String, Object> result = db.inTransaction(tx -> {
                Map<Long, Long> balances = users.lockBalances(tx, db.type(), Math.min(from, to), Math.max(from, to));
                if (!balances.containsKey(from)) {
                    throw notFound(from);
                }
                if (!balances.containsKey(to)) {
                    throw notFound(to);
                }
                if (balances.get(from) < amount) {
                    throw new ConflictException("insufficient_credits", "user " + from + " has fewer than " + amount
                            + " credits");
                }
                if (balances.get(to) > Validation.MAX_CREDITS - amount) {
                    throw new ConflictException("credit_limit", "user " + to + " would hold more than "
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

    /** A user key may reach only its own user: anything else is a 404, so ids do not reveal who exists. */
    private static void visible(Principal caller, long id) {
        if (!caller.mayAccessUser(id)) {
            throw notFound(id);
        }
    }

    static NotFoundException notFound(long id) {
        return new NotFoundException("not_found", "user " + id + " not found");
    }

    private static UserRepository.NewUser newUser(CreateUserRequest request, String key) {
        return new UserRepository.NewUser(Objects.requireNonNull(request.email()),
                Objects.requireNonNull(request.username()), request.fullName(),
                request.credits() == null ? 0 : request.credits(), ApiKeys.sha256(key));
    }

    private ObjectNode withKey(UserRow user, String key) {
        ObjectNode node = json.mapper().valueToTree(user);
        node.put(API_KEY, key);
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

    /**
     * Names the field a unique violation was about, by looking for the other holder of each value. Keeps
     * {@link ProblemException} for its per-field {@code errors}, which a plain {@link ConflictException} lacks.
     */
    private ProblemException duplicate(@Nullable String email, @Nullable String username, @Nullable String prefix,
            long self) {
        String at = prefix == null ? "" : prefix + ".";
        if (email != null && users.getByEmail(email).filter(user -> user.id() != self).isPresent()) {
            return conflict("duplicate_email", at + "email", (prefix == null ? "" : prefix + ": ")
                    + "a user with this email exists");
        }
        if (username != null) {
            return conflict("duplicate_username", at + "username", (prefix == null ? "" : prefix + ": ")
                    + "a user with this username exists");
        }
        return conflict("duplicate_user", prefix == null ? "user" : prefix, "a conflicting user exists");
    }

    private static ProblemException conflict(String code, String field, String message) {
        return ProblemException.ofErrors(409, code, message, List.of(new ProblemException.FieldError(field, message)));
    }
}
