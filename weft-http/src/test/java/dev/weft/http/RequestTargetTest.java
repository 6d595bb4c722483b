package dev.weft.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestTargetTest {
    private final ApiConfig config = ApiConfig.builder("https://api.example.com/v1/").name("example")
            .allowedHosts(Set.of("cdn.example.com")).build();

    @Test
    void resolvesTemplatesAgainstTheBasePath() {
        RequestTarget target = RequestTarget.resolve(config, "/users/{id}/videos", Map.of("id", "7"), List.of());

        assertThat(target.uri().toString()).isEqualTo("https://api.example.com/v1/users/7/videos");
        assertThat(target.authority()).isEqualTo("api.example.com:443");
        assertThat(target.uriTemplate()).isEqualTo("/users/{id}/videos");
    }

    @Test
    void encodesPathParametersAsOneOpaqueSegment() {
        RequestTarget target = RequestTarget.resolve(config, "/files/{name}", Map.of("name", "../../etc/passwd"),
                List.of());

        assertThat(target.uri().getRawPath()).isEqualTo("/v1/files/..%2F..%2Fetc%2Fpasswd");
    }

    @Test
    void refusesDotSegmentsFromParametersAndTemplates() {
        assertThatThrownBy(() -> RequestTarget.resolve(config, "/files/{name}", Map.of("name", ".."), List.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'..'");
        assertThatThrownBy(() -> RequestTarget.resolve(config, "/files/../admin", Map.of(), List.of()))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> RequestTarget.resolve(config, "/files/%2e%2e/admin", Map.of(), List.of()))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void refusesControlCharactersInTheTemplate() {
        assertThatThrownBy(() -> RequestTarget.resolve(config, "/users\r\nHost: evil", Map.of(), List.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("U+000D");
        assertThatThrownBy(() -> RequestTarget.resolve(config, "/a b", Map.of(), List.of()))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void encodesQueryParameters() {
        RequestTarget target = RequestTarget.resolve(config, "/search", Map.of(),
                List.of(Map.entry("q", "a b&c=d"), Map.entry("tag", "é")));

        assertThat(target.uri().getRawQuery()).isEqualTo("q=a%20b%26c%3Dd&tag=%C3%A9");
    }

    @Test
    void reportsAMissingPathParameterByName() {
        assertThatThrownBy(() -> RequestTarget.resolve(config, "/users/{id}", Map.of(), List.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'id'");
    }

    @Test
    void refusesAbsoluteUrlsToOtherHosts() {
        assertThatThrownBy(() -> RequestTarget.resolve(config, "http://169.254.169.254/latest/meta-data", Map.of(),
                List.of())).isInstanceOf(DisallowedHostException.class)
                .satisfies(e -> assertThat(((DisallowedHostException) e).httpStatus()).isEqualTo(400));
        assertThatThrownBy(() -> RequestTarget.resolve(config, "file:///etc/passwd", Map.of(), List.of()))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void admitsAbsoluteUrlsToTheBaseHostAndTheAllowlist() {
        assertThat(RequestTarget.resolve(config, "https://cdn.example.com/a.mp4", Map.of(), List.of()).authority())
                .isEqualTo("cdn.example.com:443");
        assertThat(RequestTarget.resolve(config, "https://API.example.com:443/x", Map.of(), List.of()).authority())
                .isEqualTo("api.example.com:443");
    }
}
