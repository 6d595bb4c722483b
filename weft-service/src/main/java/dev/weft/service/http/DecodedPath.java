package dev.weft.service.http;

import io.helidon.common.parameters.Parameters;
import io.helidon.common.uri.UriPath;
import io.helidon.http.RoutedPath;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request's path as a route matched it: the path itself, and the route's parameters decoded segment by segment
 * ({@link TemplateMatcher}), which Helidon's own {@link Parameters} are made from only when asked for.
 *
 * <p>Confined to the request's thread.
 */
abstract class DecodedPath implements RoutedPath {
    private final UriPath path;
    private @Nullable Parameters parameters;

    DecodedPath(UriPath path) {
        this.path = path;
    }

    /** @return the route's parameters by name, decoded */
    abstract Map<String, String> params();

    /** @return the path this one wraps */
    final UriPath uriPath() {
        return path;
    }

    /** Forgets the parameters made so far: {@link #params()} changed. */
    final void paramsChanged() {
        parameters = null;
    }

    @Override
    public final Parameters pathParameters() {
        Parameters built = parameters;
        if (built == null) {
            built = Parameters.createSingleValueMap("http/path", params());
            parameters = built;
        }
        return built;
    }

    @Override
    public final String rawPath() {
        return path.rawPath();
    }

    @Override
    public final String rawPathNoParams() {
        return path.rawPathNoParams();
    }

    @Override
    public final String path() {
        return path.path();
    }

    @Override
    public final Parameters matrixParameters() {
        return path.matrixParameters();
    }

    @Override
    public final void validate() {
        path.validate();
    }
}
