package dev.weft.service.http;

import dev.weft.core.ErrorKind;
import dev.weft.core.WeftException;
import dev.weft.service.FailureLogThrottle;
import dev.weft.service.Json;
import dev.weft.service.ProblemException;
import io.helidon.http.HeaderNames;
import io.helidon.http.NotFoundException;
import io.helidon.http.Status;
import io.helidon.webserver.http.ErrorHandler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's one error handler ({@code routing.error(Throwable.class, ...)}): every failure of a route, its
 * security or its rate limit becomes an {@code application/problem+json} answer, decided once here.
 * <ul>
 *   <li>Helidon's "no route" ({@link NotFoundException}) is 405 {@code method_not_allowed} with {@code Allow} when the
 *   path exists for other methods ({@link AllowedMethods}; Helidon's routing has no 405), else 404
 *   {@code route_not_found}.
 *   <li>A {@link WeftException} answers with its kind's status ({@link ErrorKind#httpStatus()}; a
 *   {@link ProblemException} may refine a 400, see {@link ProblemException#refinedStatus()}), {@code Retry-After} for
 *   an unavailable or rate-limited dependency that may recover, and {@code WWW-Authenticate} with a 401. A
 *   {@link ProblemException}'s detail is its message (written for the client), and so is that of weft-core's
 *   {@code NotFoundException}, {@code ConflictException}, {@code ForbiddenException} and
 *   {@code UnauthenticatedException} thrown as such (not subclasses); any other kind's detail is generic, since
 *   those messages name databases and operations.
 *   <li>Anything else, and a {@link WeftException} of kind {@link ErrorKind#INTERNAL} (whose own code, such as
 *   {@code sql_error}, goes to the log line only), is 500 {@code internal_error}, logged once with its stack trace;
 *   5xx answers from a dependency are logged one line per code a second ({@link FailureLogThrottle}), without a
 *   stack.
 *   <li>A {@code HEAD} request gets the problem's status and headers without its body ({@link HeadResponse}).
 * </ul>
 *
 * <p>Thread-safe.
 */
final class ProblemErrorHandler implements ErrorHandler<Throwable> {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemErrorHandler.class);
    private static final String INTERNAL_ERROR = "internal_error";
    static final String PROBLEM_TYPE = "https://weft.dev/problems/";
    /** RFC 6585's 431, which Helidon has no constant or reason phrase for. */
    static final Status HEADERS_TOO_LARGE = Status.create(431, "Request Header Fields Too Large");

    private final AllowedMethods allowedMethods;
    private final Json json;
    private final FailureLogThrottle failureLogs = new FailureLogThrottle(TimeUnit.SECONDS.toNanos(1));

    /**
     * @param allowedMethods the methods of each path, for a 405's {@code Allow}
     * @param json the mapper for the bodies
     */
    ProblemErrorHandler(AllowedMethods allowedMethods, Json json) {
        this.allowedMethods = Objects.requireNonNull(allowedMethods, "allowedMethods");
        this.json = Objects.requireNonNull(json, "json");
    }

    @Override
    public void handle(ServerRequest request, ServerResponse response, Throwable failure) {
        Throwable mapped = failure;
        if (failure instanceof NotFoundException) {
            try {
                mapped = noRoute(request, response);
            } catch (ProblemException malformedPath) {
                mapped = malformedPath;
            }
        }
        int status = answer(request, response, mapped);
        RequestState state = RequestState.current();
        if (state != null) {
            state.countedStatus(status);
            if (!(failure instanceof NotFoundException)) {
                // no route is routing's answer, not a failure of the service: "none", as Spring Boot tags a 404
                state.exception(failure);
            }
        }
    }

    /**
     * Logs a failure that cannot be answered with a problem (the client went away, or a streamed answer began).
     *
     * @param request the request
     * @param failure what the route threw
     * @return the status to count: 499 or 408 for the client's doing, else the failure's status
     */
    int unanswered(ServerRequest request, Throwable failure) {
        int disconnected = ClientDisconnects.status(failure);
        if (disconnected != 0) {
            // the client's doing, and the connection is gone: nothing to answer, no stack, no server error
            LOG.atDebug().setMessage(disconnected == ClientDisconnects.TIMED_OUT
                            ? "request body stalled; connection closed" : "client closed the connection")
                    .addKeyValue("http.request.method", request.prologue().method().text())
                    .addKeyValue("http.route", template(request))
                    .addKeyValue("http.response.status_code", disconnected).log();
            return disconnected;
        }
        // a streamed answer failed midway: the client sees a cut-off body; the log has the cause
        Problem problem = problem(failure);
        log(request, failure, problem);
        return problem.status();
    }

    /**
     * The 405 for a path that exists for other methods, else the 404. A malformed path never gets here: the first
     * filter answered it 400 ({@link RequestIdFilter}).
     */
    private ProblemException noRoute(ServerRequest request, ServerResponse response) {
        String allow = allowedMethods.allow(request.prologue().uriPath());
        if (allow.isEmpty()) {
            return ProblemException.of(ErrorKind.NOT_FOUND, "route_not_found", "no such endpoint");
        }
        response.header(HeaderNames.ALLOW, allow);
        return ProblemException.of(405, "method_not_allowed",
                request.prologue().method().text() + " is not allowed here; allowed: " + allow);
    }

    /** What a failure answers: status, code, detail and invalid fields. */
    private record Problem(int status, String code, String detail, List<ProblemException.FieldError> errors) {
    }

    private static Problem problem(Throwable failure) {
        if (failure instanceof ProblemException problem) {
            int status = problem.refinedStatus().orElse(problem.httpStatus());
            return new Problem(status, problem.code(), clientDetail(problem), problem.errors());
        }
        if (failure instanceof WeftException weft && writtenForTheClient(weft)) {
            return new Problem(weft.httpStatus(), weft.code(), clientDetail(weft), List.of());
        }
        if (failure instanceof WeftException weft) {
            String detail = switch (weft.kind()) {
                case INVALID_INPUT -> "the request is invalid";
                case UNAUTHENTICATED -> "authentication required";
                case FORBIDDEN -> "not allowed";
                case NOT_FOUND -> "not found";
                case CONFLICT -> "the request conflicts with the current state";
                case TIMEOUT -> "a dependency did not answer in time";
                case UNAVAILABLE -> "a dependency is unavailable; retry later";
                case RATE_LIMITED -> "a dependency is rate limited; retry later";
                case UPSTREAM -> "a dependency failed";
                case INTERNAL -> "internal error";
            };
            // a bug's own code (sql_error, too_many_rows, cache_load_failed...) names the internals that failed, and
            // clients could not act on it anyway: they get the contract's internal_error, the log gets the code
            String code = weft.kind() == ErrorKind.INTERNAL ? INTERNAL_ERROR : weft.code();
            return new Problem(weft.httpStatus(), code, detail, List.of());
        }
        if (failure instanceof io.helidon.http.BadRequestException) {
            // Helidon's own parsers (a header read lazily, such as an unreadable Content-Type) blame the request: a
            // client's mistake, never a 500. Its message may quote the request, so the client gets a fixed one
            return new Problem(400, "bad_request", "a header of the request could not be read", List.of());
        }
        return new Problem(500, INTERNAL_ERROR, "internal error", List.of());
    }

    /**
     * Whether a failure's message was written for the client: weft-core's own not-found, conflict, forbidden and
     * unauthenticated exceptions, which the service's application services throw (their Javadoc says the message
     * is shown). Subclasses are not: a module's exception may name a database, an operation or a host.
     */
    private static boolean writtenForTheClient(WeftException failure) {
        Class<?> type = failure.getClass();
        return type == dev.weft.core.NotFoundException.class || type == dev.weft.core.ConflictException.class
                || type == dev.weft.core.ForbiddenException.class
                || type == dev.weft.core.UnauthenticatedException.class;
    }

    private static String clientDetail(WeftException failure) {
        return java.util.Objects.requireNonNullElse(failure.getMessage(), failure.code());
    }

    /** Answers a failure with a problem and logs it once. @return the status counted */
    private int answer(ServerRequest request, ServerResponse response, Throwable failure) {
        Problem problem = problem(failure);
        log(request, failure, problem);
        int status = problem.status();
        // never for commit_outcome_unknown: a client that retried on the header could apply a write twice
        if (failure instanceof WeftException weft
                && (weft.kind() == ErrorKind.UNAVAILABLE || weft.kind() == ErrorKind.RATE_LIMITED)
                && (weft.retryable() || weft.retryAfter().isPresent())) {
            long seconds = weft.retryAfter().map(wait -> (wait.toMillis() + 999) / 1000).orElse(1L);
            response.header(HeaderNames.RETRY_AFTER, Long.toString(Math.max(1, seconds)));
        }
        if (status == 401) {
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"weft\"");
        }
        try {
            response.status(Status.create(status));
            response.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
            // a HEAD gets the problem's status and headers without its body
            HeadResponse.forRequest(request, response).send(json.write(body(status, problem.code(), problem.detail(),
                    request.prologue().uriPath().rawPath(), problem.errors())));
        } catch (RuntimeException e) {
            if (ClientDisconnects.status(e) != 0) {
                LOG.atDebug().setMessage("client closed the connection").addKeyValue("http.route", template(request))
                        .log();
                return status >= 500 ? status : ClientDisconnects.ABORTED;
            }
            LOG.atWarn().setMessage("could not send the problem response").setCause(e).log();
        }
        return status;
    }

    private void log(ServerRequest request, Throwable failure, Problem problem) {
        int status = problem.status();
        if (status == 500) {
            LOG.atError().setMessage("request failed").setCause(failure)
                    .addKeyValue("error.code", failure instanceof WeftException weft ? weft.code() : INTERNAL_ERROR)
                    .addKeyValue("http.request.method", request.prologue().method().text())
                    .addKeyValue("http.route", template(request))
                    .addKeyValue("http.response.status_code", status).log();
        } else if (status > 500) {
            // a dependency is down or slow: expected in an outage, so one line per code a second, no stack trace
            long suppressed = failureLogs.admit(problem.code(), System.nanoTime());
            if (suppressed >= 0) {
                LOG.atWarn().setMessage("request failed").addKeyValue("error.code", problem.code())
                        .addKeyValue("error.message", failure.getMessage())
                        .addKeyValue("http.request.method", request.prologue().method().text())
                        .addKeyValue("http.route", template(request))
                        .addKeyValue("http.response.status_code", status)
                        .addKeyValue("suppressed_since_last", suppressed).log();
            }
        }
    }

    private static String template(ServerRequest request) {
        return RequestMetricsFilter.template(RequestState.current());
    }

    /**
     * @param status the status
     * @param code the stable code
     * @param detail the detail
     * @param instance the request's path
     * @param errors the invalid fields, if any
     * @return an RFC 9457 problem body with the service's {@code code} and {@code errors} members
     */
    static Map<String, Object> body(int status, String code, String detail, String instance,
            List<ProblemException.FieldError> errors) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", PROBLEM_TYPE + code);
        // a problem's title must not be empty: Status.create(431) would have no phrase
        body.put("title", (status == HEADERS_TOO_LARGE.code() ? HEADERS_TOO_LARGE : Status.create(status))
                .reasonPhrase());
        body.put("status", status);
        body.put("detail", detail);
        body.put("code", code);
        body.put("instance", instance);
        if (!errors.isEmpty()) {
            List<Map<String, String>> list = new ArrayList<>();
            for (ProblemException.FieldError error : errors) {
                // a LinkedHashMap, not Map.of: the members come in the same order on every start
                Map<String, String> entry = new LinkedHashMap<>();
                entry.put("field", error.field());
                entry.put("message", error.message());
                list.add(entry);
            }
            body.put("errors", list);
        }
        return body;
    }
}
