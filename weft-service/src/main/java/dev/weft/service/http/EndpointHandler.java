package dev.weft.service.http;

import dev.weft.service.Exchange;
import dev.weft.service.Json;
import dev.weft.service.ProblemException;
import dev.weft.service.Routes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Map;
import java.util.Objects;

/**
 * Runs one route's {@link dev.weft.service.Endpoint}: gives it an {@link Exchange} (the matched route, its decoded path
 * parameters, the caller, the request id) inside the request's {@link dev.weft.core.Deadline} (bound by
 * {@link RequestIdFilter}), and answers {@code 204} if it sent nothing. A {@code HEAD} request runs the {@code GET}
 * route's endpoint with a {@link HeadResponse}, which sends the status and headers only. A failure it leaves to the
 * error handler ({@link ProblemErrorHandler}), except the two that must not get a problem: a client that went away or
 * stopped sending (the connection is closed quietly and the request counted as 499 or 408; an event stream's client
 * closing it is its normal end, counted as the status the stream began with), and a failure after a streamed answer
 * began (it is logged and counted; the client sees the body end).
 *
 * <p>Thread-safe; one per route.
 */
final class EndpointHandler implements Handler {
    private final Routes.Route route;
    private final Json json;
    private final ProblemErrorHandler problems;

    /**
     * @param route the route
     * @param json the mapper for bodies
     * @param problems the error handler, for a failure that cannot be answered with a problem
     */
    EndpointHandler(Routes.Route route, Json json, ProblemErrorHandler problems) {
        this.route = Objects.requireNonNull(route, "route");
        this.json = Objects.requireNonNull(json, "json");
        this.problems = Objects.requireNonNull(problems, "problems");
    }

    @Override
    public void handle(ServerRequest request, ServerResponse response) throws Exception {
        RequestState state = RequestState.CURRENT.get();
        // every weft route is dispatched by the RouteTable, whose path carries the chosen route's decoded parameters
        Map<String, String> params = request.path() instanceof RouteTable.MatchedPath matched
                ? matched.params() : Map.of();
        // a HEAD runs the GET endpoint; its answer goes out without the body
        Exchange exchange = Exchange.create(request, HeadResponse.forRequest(request, response), route, params,
                state.principal(), state.requestId(), json);
        try {
            route.endpoint().handle(exchange); // inside the request's Deadline, bound by RequestIdFilter
            if (!response.isSent() && !exchange.streamed()) {
                exchange.response().status(Status.NO_CONTENT_204).send();
            }
        } catch (ClientDisconnects.MalformedBody malformed) {
            if (response.isSent() || exchange.streamed()) {
                throw new CloseConnectionException("a malformed chunked body after the answer began");
            }
            response.header(HeaderNames.CONNECTION, "close");
            problems.handle(request, response, ProblemException.of(400, "bad_request", "the request body's chunked "
                    + "encoding could not be read (a chunk size that is not a hex number, or a chunk extension)"));
            // what follows the bad chunk size cannot be framed: Helidon would drain it as body (and wait), or read it
            // as the next request; closing quietly after the answer does neither
            throw new CloseConnectionException("a malformed chunked body was answered 400");
        } catch (Throwable failure) {
            int disconnected = ClientDisconnects.status(failure);
            if (disconnected == 0 && !exchange.streamed() && !response.isSent()) {
                throw failure; // answered with a problem by the error handler
            }
            if (disconnected == ClientDisconnects.ABORTED && route.eventStream() && exchange.streamed()) {
                // closing is how an event stream's client ends it: counted as the status its answer began with
                throw new CloseConnectionException("the client closed its event stream");
            }
            int status = problems.unanswered(request, failure);
            state.countedStatus(status);
            state.exception(failure);
            if (failure instanceof Error error && !(failure instanceof StackOverflowError)) {
                throw error;
            }
            if (status == ClientDisconnects.ABORTED || status == ClientDisconnects.TIMED_OUT) {
                // Helidon closes the connection quietly; returning unanswered would make it log and try a 500
                throw new CloseConnectionException("the client went away or stopped sending");
            }
        }
    }
}
