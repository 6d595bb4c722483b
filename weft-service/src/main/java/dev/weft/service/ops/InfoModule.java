package dev.weft.service.ops;

import dev.weft.db.migrate.MigrationState;
import dev.weft.db.migrate.MigrationStatus;
import dev.weft.service.Access;
import dev.weft.service.BuildInfo;
import dev.weft.service.Exchange;
import dev.weft.service.RouteModule;
import dev.weft.service.Routes;
import dev.weft.service.ServiceContext;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /info}: what runs, in the shape of Spring Boot's {@code /actuator/info} ({@code build}, {@code git},
 * {@code java}) plus the {@code database} type and its applied migration version. Admin only unless
 * {@code WEFT_INFO_PUBLIC=true}: the version and commit tell an attacker which exploits apply.
 *
 * <p>Thread-safe.
 */
public final class InfoModule implements RouteModule {
    /** How long the migration version is reused: a public {@code /info} polled hard must not query per request. */
    private static final long MIGRATION_CACHE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ServiceContext context;
    private final Map<String, Object> fixed;
    private volatile @Nullable CachedVersion migration;

    /** @param context the service context */
    public InfoModule(ServiceContext context) {
        this.context = Objects.requireNonNull(context, "context");
        this.fixed = fixedParts(BuildInfo.current());
    }

    @Override
    public void routes(Routes routes) {
        routes.get("/info", context.config().infoPublic() ? Access.PUBLIC : Access.ADMIN, this::info);
    }

    private void info(Exchange exchange) {
        Map<String, Object> body = new LinkedHashMap<>(fixed);
        Map<String, Object> database = new LinkedHashMap<>();
        database.put("type", context.database().type().name().toLowerCase(Locale.ROOT));
        database.put("migration_version", migrationVersion());
        body.put("database", database);
        exchange.send(200, body);
    }

    /** The build and the JVM do not change while the process runs. */
    private static Map<String, Object> fixedParts(BuildInfo build) {
        Map<String, Object> body = new LinkedHashMap<>();
        Map<String, Object> buildPart = new LinkedHashMap<>();
        buildPart.put("name", "weft");
        buildPart.put("version", build.version());
        buildPart.put("time", build.buildTime().map(Object::toString).orElse(null));
        body.put("build", buildPart);
        Map<String, Object> commit = new LinkedHashMap<>();
        commit.put("id", build.commit());
        commit.put("id_short", build.commitShort());
        commit.put("time", build.commitTime().map(Object::toString).orElse(null));
        Map<String, Object> git = new LinkedHashMap<>();
        git.put("commit", commit);
        git.put("dirty", build.dirty());
        body.put("git", git);
        Map<String, Object> java = new LinkedHashMap<>();
        java.put("version", Runtime.version().toString());
        java.put("vendor", System.getProperty("java.vendor", BuildInfo.UNKNOWN));
        java.put("vm", System.getProperty("java.vm.name", BuildInfo.UNKNOWN));
        body.put("java", java);
        return body;
    }

    /** @return the highest applied migration's version, {@code null} before any; at most one query per 5 s */
    private @Nullable String migrationVersion() {
        long now = System.nanoTime();
        CachedVersion cached = migration;
        if (cached != null && now - cached.readAt() < MIGRATION_CACHE_NANOS) {
            return cached.version();
        }
        String version = null;
        for (MigrationStatus status : context.migrations().status()) {
            if (status.state() == MigrationState.APPLIED || status.state() == MigrationState.CHANGED) {
                version = status.version(); // listed in version order
            }
        }
        migration = new CachedVersion(version, now);
        return version;
    }

    /** The migration version and when it was read ({@link System#nanoTime()}). */
    private record CachedVersion(@Nullable String version, long readAt) {
    }
}
