package dev.weft.service;

/**
 * A group of endpoints added to the server, e.g. users, operations or (later) videos and jobs. Modules get what they
 * need from the {@link ServiceContext} when they are built, and register their routes once at startup.
 */
@FunctionalInterface
public interface RouteModule {
    /** @param routes where to register this module's routes */
    void routes(Routes routes);
}
