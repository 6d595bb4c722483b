package dev.weft.service.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.service.ProblemException;
import io.helidon.common.uri.UriPath;
import io.helidon.http.PathMatchers;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A route template matched segment by segment on the raw path, each segment decoded on its own. */
class TemplateMatcherTest {
    private static Map<String, String> params(String template, String rawPath) {
        PathMatchers.MatchResult result = new TemplateMatcher(template).match(UriPath.create(rawPath));
        assertThat(result.accepted()).as(template + " matches " + rawPath).isTrue();
        return ((TemplateMatcher.TemplatePath) result.path()).params();
    }

    private static boolean matches(String template, String rawPath) {
        return new TemplateMatcher(template).match(UriPath.create(rawPath)).accepted();
    }

    @Test
    void noParameterGivesAnEmptyMap() {
        assertThat(params("/health/live", "/health/live")).isEmpty();
    }

    @Test
    void oneParameterIsNamed() {
        assertThat(params("/users/{id}", "/users/42")).containsExactlyEntriesOf(Map.of("id", "42"));
    }

    @Test
    void everyParameterOfATemplateWithSeveralIsKept() {
        assertThat(params("/users/{id}/videos/{video}/{part}", "/users/7/videos/9/a%20b"))
                .hasSize(3)
                .containsEntry("id", "7")
                .containsEntry("video", "9")
                .containsEntry("part", "a b");
    }

    @Test
    void anEncodedSlashStaysInItsSegment() {
        assertThat(params("/cache/{key}", "/cache/a%2Fb")).containsEntry("key", "a/b");
        assertThat(matches("/cache/{key}", "/cache/a/b")).isFalse();
    }

    @Test
    void emptySegmentsAreIgnoredAndLiteralsCompareDecoded() {
        assertThat(matches("/users", "/users/")).isTrue();
        assertThat(matches("/users/{id}", "//users//5")).isTrue();
        assertThat(matches("/users", "/%75sers")).isTrue();
        assertThat(matches("/users", "/users/5")).isFalse();
        assertThat(matches("/users/{id}", "/users")).isFalse();
        assertThat(matches("/users/stream", "/users/streams")).isFalse();
    }

    @Test
    void aFirstSegmentMatchesRawOrDecodedAfterEmptyOnes() {
        assertThat(matches("/user-profile/{id}", "/users/1")).isFalse();
        assertThat(matches("/users/{id}", "/users-x/1")).isFalse();
        assertThat(matches("/users/{id}", "/use/1")).isFalse();
        assertThat(matches("/users/{id}", "/")).isFalse();
        assertThat(matches("/users/{id}", "")).isFalse();
        assertThat(matches("/users/{id}", "/%75sers/5")).isTrue();
        assertThat(matches("/users/{id}", "///users/5")).isTrue();
        assertThat(matches("/{any}", "/users")).isTrue();
        assertThat(matches("/", "/")).isTrue();
        assertThatThrownBy(() -> matches("/users/{id}", "/%zz/1")).isInstanceOf(ProblemException.class);
    }

    @Test
    void literalsCountForTheOrder() {
        assertThat(new TemplateMatcher("/users/stream").literalCount()).isEqualTo(2);
        assertThat(new TemplateMatcher("/users/{id}").literalCount()).isEqualTo(1);
        assertThat(new TemplateMatcher("/users/{id}").matchingElement()).contains("/users/{id}");
    }

    @Test
    void malformedPercentEncodingIsA400() {
        assertThatThrownBy(() -> matches("/nope/{x}", "/nope/%zz")).isInstanceOf(ProblemException.class)
                .extracting(failure -> ((ProblemException) failure).code()).isEqualTo("invalid_path");
        assertThatThrownBy(() -> matches("/users/{id}", "/users/%4")).isInstanceOf(ProblemException.class);
        assertThat(params("/a/{x}/b", "/a/%E2%9C%93//b")).containsExactly(Map.entry("x", "✓"));
        assertThat(RequestIdFilter.validPath("/nope/%zz")).isFalse(); // what the edge answers 400 before routing
    }
}
