package dev.weft.service.users;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A profile as the profile cache keeps it: the {@link UserProfile} and, once a request has rendered it, its JSON. A hit
 * then answers the bytes kept with the entry, without a second lookup for them (and without Jackson). In a shared
 * tier it is stored as the profile's own JSON ({@link JsonValue}, {@link JsonCreator}), the same text a
 * {@link UserProfile} entry has, so instances that cache either read each other's entries. A new profile is a new
 * entry, so the bytes never outlive the profile they were rendered from.
 *
 * <p>Thread-safe: two first hits may both render; they make equal bytes, and either is kept.
 */
public final class CachedProfile {
    private final UserProfile profile;
    private volatile byte @Nullable [] json;

    /** @param profile the profile */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public CachedProfile(UserProfile profile) {
        this.profile = Objects.requireNonNull(profile, "profile");
    }

    /** @return the profile */
    @JsonValue
    public UserProfile profile() {
        return profile;
    }

    /**
     * @param render how the service writes a value as JSON; it must always write the same profile the same way
     * @return the profile's JSON, rendered on the first call; callers must not change the array
     */
    byte[] json(Function<Object, byte[]> render) {
        byte[] rendered = json;
        if (rendered == null) {
            rendered = render.apply(profile);
            json = rendered;
        }
        return rendered;
    }
}
