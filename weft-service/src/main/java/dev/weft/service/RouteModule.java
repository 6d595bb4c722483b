package dev.weft.service;

import java.util.List;

/**
 * A group of endpoints added to the server, e.g. users, operations or (later) videos and jobs. Modules get what they
 * need from the {@link ServiceContext} when they are built, and register their routes once at startup.
 */
@FunctionalInterface
public interface RouteModule {
    /** @param routes where to register this module's routes */
    void routes(Routes routes);

    /**
     * Told every route of the service once every module has registered its own, before the server listens: for a
     * module that shows what other modules serve (the dashboard leaves event streams out of the service's latency).
     *
     * @param all every module's routes, in registration order
     */
    default void allRoutes(List<Routes.Route> all) {
    }
}
