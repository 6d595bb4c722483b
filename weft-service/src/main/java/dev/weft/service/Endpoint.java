package dev.weft.service;

/** Handles one routed request. Runs on a virtual thread; may block. */
@FunctionalInterface
public interface Endpoint {
    /**
     * @param exchange the request, its response and what the edge already checked (route, key, rate)
     * @throws Exception anything: the edge maps weft exceptions by kind and answers 500 for the rest
     */
    void handle(Exchange exchange) throws Exception;
}
