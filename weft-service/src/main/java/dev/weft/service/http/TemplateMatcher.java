package dev.weft.service.http;

import dev.weft.service.ProblemException;
import io.helidon.common.uri.UriPath;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.http.RoutedPath;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Matches a path against one route template ({@code /users/{id}}) segment by segment, for Helidon's routing. Helidon's
 * own {@code PathMatchers.pattern} matches the decoded path as a whole, so {@code /cache/a%2Fb} would become three
 * segments and {@code /users/} or {@code //users} would not match {@code /users}; the service's contract is that the
 * raw path splits on {@code /}, empty segments are ignored, and each segment is percent-decoded on its own
 * ({@code %2F} stays inside its segment; malformed percent-encoding is 400 {@code invalid_path}). Its
 * {@link #matchingElement()} is the template. The {@link RouteTable} matches with {@link #paramsOf}, the path split once
 * per request; {@link AllowedMethods} asks each template in turn ({@link #match}).
 *
 * <p>Immutable and thread-safe.
 */
final class TemplateMatcher implements PathMatcher {
    private final Optional<String> template;
    /** Per segment of the template: the literal, or {@code null} for a parameter. */
    private final @Nullable String[] literals;
    /** Per segment of the template: the parameter's name, or {@code null} for a literal. */
    private final @Nullable String[] names;
    private final int parameters;

    /** @param template a template checked by {@link dev.weft.service.Routes}: literal or {@code {name}} segments */
    TemplateMatcher(String template) {
        this.template = Optional.of(template);
        String[] segments = rawSegments(template);
        this.literals = new String[segments.length];
        this.names = new String[segments.length];
        int count = 0;
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.startsWith("{")) {
                names[i] = segment.substring(1, segment.length() - 1);
                count++;
            } else {
                literals[i] = segment;
            }
        }
        this.parameters = count;
    }

    /** @return how many literal segments the template has: more literals are tried first ({@code /users/stream}) */
    int literalCount() {
        return literals.length - parameters;
    }

    /** @return how many segments the template has */
    int segmentCount() {
        return literals.length;
    }

    /** @return the template's first segment when it is a literal; {@code null} for a parameter or no segment */
    @Nullable String firstLiteral() {
        return literals.length == 0 ? null : literals[0];
    }

    @Override
    public PathMatchers.MatchResult match(UriPath path) {
        String raw = path.rawPath();
        Map<String, String> params = paramsOf(raw, RequestState.segmentBoundsOf(raw));
        return params == null ? PathMatchers.MatchResult.notAccepted()
                : new PathMatchers.MatchResult(true, new TemplatePath(path, params));
    }

    /**
     * Matches a raw path split once for every template tried (the bounds, not substrings: a literal compares in
     * place, only a parameter's value is copied), so a template that does not match costs a length check or one
     * region comparison.
     *
     * @param raw the raw path
     * @param bounds its segments' bounds ({@link #segmentBounds})
     * @return the decoded parameters by name if the template matches; {@code null} if not
     * @throws ProblemException 400 {@code invalid_path} for malformed percent-encoding in a parameter
     */
    @Nullable Map<String, String> paramsOf(String raw, int[] bounds) {
        if (bounds.length != 2 * literals.length) {
            return null;
        }
        @Nullable String[] values = null; // made at the first parameter: most templates tried fail before one
        for (int i = 0; i < literals.length; i++) {
            int start = bounds[2 * i];
            int end = bounds[2 * i + 1];
            String literal = literals[i];
            if (literal == null) {
                if (values == null) {
                    values = new String[literals.length];
                }
                values[i] = decode(raw, start, end);
            } else if (!sameRegion(literal, raw, start, end) && !encodedLiteral(literal, raw, start, end)) {
                return null;
            }
        }
        return params(values);
    }

    private static boolean sameRegion(String literal, String raw, int start, int end) {
        return literal.length() == end - start && raw.regionMatches(start, literal, 0, end - start);
    }

    private static boolean encodedLiteral(String literal, String raw, int start, int end) {
        int percent = raw.indexOf('%', start);
        return percent >= 0 && percent < end && literal.equals(decode(raw, start, end));
    }

    @Override
    public PathMatchers.PrefixMatchResult prefixMatch(UriPath path) {
        return PathMatchers.PrefixMatchResult.notAccepted(); // weft's routes are never nested
    }

    @Override
    public Optional<String> matchingElement() {
        return template;
    }

    @Override
    public String toString() {
        return "template: " + template.orElseThrow();
    }

    /** Package-private for tests. @return the path parameters by name, from the decoded values per segment */
    Map<String, String> params(@Nullable String @Nullable [] values) {
        if (values == null) {
            return Map.of();
        }
        String name = null;
        String value = null;
        Map<String, String> params = null;
        for (int i = 0; i < names.length; i++) {
            String part = names[i];
            if (part == null) {
                continue;
            }
            if (name == null) {
                name = part;
                value = values[i];
            } else {
                if (params == null) {
                    params = new HashMap<>();
                    params.put(name, value);
                }
                params.put(part, values[i]);
            }
        }
        // most routes have one parameter: no hash map for them
        return params != null ? params : Map.of(name, value);
    }

    /**
     * @param rawPath a raw path
     * @return its segments split on {@code /}, without empty ones and without decoding
     */
    static String[] rawSegments(String rawPath) {
        int[] bounds = segmentBounds(rawPath);
        String[] segments = new String[bounds.length / 2];
        for (int i = 0; i < segments.length; i++) {
            segments[i] = rawPath.substring(bounds[2 * i], bounds[2 * i + 1]);
        }
        return segments;
    }

    /**
     * @param rawPath a raw path
     * @return where its segments are, as {@code rawSegments} splits them: the start and end index of each, in turn
     */
    static int[] segmentBounds(String rawPath) {
        int count = 0;
        int length = rawPath.length();
        for (int i = 0; i < length; i++) {
            if (rawPath.charAt(i) != '/' && (i == 0 || rawPath.charAt(i - 1) == '/')) {
                count++;
            }
        }
        int[] bounds = new int[2 * count];
        int index = 0;
        int start = 0;
        while (start < length) {
            int end = rawPath.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            if (end > start) {
                bounds[index++] = start;
                bounds[index++] = end;
            }
            start = end + 1;
        }
        return bounds;
    }

    private static String decode(String raw, int start, int end) {
        int percent = raw.indexOf('%', start);
        if (percent < 0 || percent >= end) {
            return raw.substring(start, end);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(end - start);
        for (int i = start; i < end; i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= end) {
                    throw malformed();
                }
                int high = Character.digit(raw.charAt(i + 1), 16);
                int low = Character.digit(raw.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw malformed();
                }
                out.write(high * 16 + low);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static ProblemException malformed() {
        return ProblemException.of(400, "invalid_path", "malformed percent-encoding in the path");
    }

    /** A path matched by a template, with its parameters (decoded). */
    static final class TemplatePath extends DecodedPath {
        private final Map<String, String> params;

        TemplatePath(UriPath path, Map<String, String> params) {
            super(path);
            this.params = params;
        }

        @Override
        Map<String, String> params() {
            return params;
        }

        @Override
        public RoutedPath absolute() {
            return new TemplatePath(uriPath().absolute(), params);
        }
    }
}
