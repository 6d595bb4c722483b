package dev.weft.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * What this build of the service is: its version, the git commit it was built from and when, read once from
 * {@code dev/weft/service/build-info.properties}, which the build writes (git-commit-id-maven-plugin). Used by
 * {@code GET /info}, and by anything else that names the service's version (logs, traces).
 *
 * <p>A build without git (a source archive) or run from an IDE that skipped the plugin says {@value #UNKNOWN} for what
 * it does not know; it never fails.
 *
 * @param version the Maven version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param commit the full commit id, or {@value #UNKNOWN}
 * @param commitShort the abbreviated commit id, or {@value #UNKNOWN}
 * @param dirty whether the working tree had uncommitted changes when built
 * @param buildTime when the build ran, if known
 * @param commitTime when the commit was made, if known
 */
public record BuildInfo(String version, String commit, String commitShort, boolean dirty,
        Optional<Instant> buildTime, Optional<Instant> commitTime) {
    /** What a field says when the build did not record it. */
    public static final String UNKNOWN = "unknown";
    /** The resource the build writes. */
    static final String RESOURCE = "dev/weft/service/build-info.properties";

    /** Checks the fields are present. */
    public BuildInfo {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(commitShort, "commitShort");
        Objects.requireNonNull(buildTime, "buildTime");
        Objects.requireNonNull(commitTime, "commitTime");
    }

    /** @return this build's info, read on first use */
    public static BuildInfo current() {
        return Holder.CURRENT;
    }

    /**
     * The version alone, from weft.jar's manifest ({@code Implementation-Version}): what log lines and traces carry as
     * {@code service.version}, read without loading the build's properties (the log setup runs before {@code main}).
     *
     * @return the version, or {@value #UNKNOWN} when run from classes (tests, an IDE)
     */
    public static String manifestVersion() {
        String version = BuildInfo.class.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? UNKNOWN : version;
    }

    /** Loads once, when first asked: most starts never need it before the first {@code /info}. */
    private static final class Holder {
        static final BuildInfo CURRENT = load();
    }

    static BuildInfo load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return of(properties);
    }

    /**
     * @param properties git-commit-id-maven-plugin's properties ({@code git.build.version}, {@code git.commit.id},
     *     ...)
     * @return the info they hold; {@value #UNKNOWN} or empty for what is missing
     */
    static BuildInfo of(Properties properties) {
        return new BuildInfo(text(properties, "git.build.version"), text(properties, "git.commit.id"),
                text(properties, "git.commit.id.abbrev"), Boolean.parseBoolean(properties.getProperty("git.dirty")),
                instant(properties.getProperty("git.build.time")), instant(properties.getProperty("git.commit.time")));
    }

    private static String text(Properties properties, String key) {
        String value = properties.getProperty(key);
        return value == null || value.isBlank() ? UNKNOWN : value.strip();
    }

    private static Optional<Instant> instant(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(value.strip()).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty(); // a hand-edited file: the time is unknown, the rest still useful
        }
    }
}
