package dev.weft.service;

import dev.weft.db.DatabaseType;
import dev.weft.db.migrate.Migration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One feature of the service (operations, users, videos and their jobs, docs), plugged in the same way: its
 * migrations are added before the context opens, then {@link #open} builds its services and endpoints over the
 * open, migrated {@link ServiceContext}, and {@link WeftService} registers the returned routes. A returned module
 * that is {@link AutoCloseable} (one with workers) is closed by the service after its server stopped.
 *
 * <p>Implementations are immutable and thread-safe; {@link #open} is called once per service.
 */
public interface Feature {
    /**
     * @return migrations with versions above {@link dev.weft.service.data.ServiceMigrations#LAST_VERSION}, other than
     *     {@link dev.weft.service.data.ServiceMigrations#WIDE_ANSWERS_VERSION}
     */
    default List<Function<DatabaseType, List<Migration>>> migrations() {
        return List.of();
    }

    /**
     * Reads the feature's own settings and refuses a bad one, before the service opens anything: a start with a bad
     * setting ends in one line naming it, before it touches the database (migrations, the admin key). Called once,
     * before {@link #open}.
     *
     * @param config the service's config
     * @throws dev.weft.core.InvalidConfigException naming the setting
     */
    default void checkSettings(ServiceConfig config) {
    }

    /**
     * @param context the open, migrated context
     * @return the feature's endpoints
     */
    RouteModule open(ServiceContext context);

    /**
     * @param check reads and checks settings the feature reads only in {@link #open}
     * @return this feature, with the check added to {@link #checkSettings}
     */
    default Feature checkingSettings(Consumer<ServiceConfig> check) {
        Objects.requireNonNull(check, "check");
        Feature feature = this;
        return new Feature() {
            @Override
            public List<Function<DatabaseType, List<Migration>>> migrations() {
                return feature.migrations();
            }

            @Override
            public void checkSettings(ServiceConfig config) {
                feature.checkSettings(config);
                check.accept(config);
            }

            @Override
            public RouteModule open(ServiceContext context) {
                return feature.open(context);
            }
        };
    }

    /**
     * @param open builds the endpoints over the context
     * @return a feature without migrations
     */
    static Feature of(Function<ServiceContext, RouteModule> open) {
        return of(List.of(), open);
    }

    /**
     * @param migrations the feature's migrations
     * @param open builds the endpoints over the context
     * @return the feature
     */
    static Feature of(List<Function<DatabaseType, List<Migration>>> migrations,
            Function<ServiceContext, RouteModule> open) {
        List<Function<DatabaseType, List<Migration>>> copy = List.copyOf(migrations);
        Objects.requireNonNull(open, "open");
        return new Feature() {
            @Override
            public List<Function<DatabaseType, List<Migration>>> migrations() {
                return copy;
            }

            @Override
            public RouteModule open(ServiceContext context) {
                return open.apply(context);
            }
        };
    }
}
