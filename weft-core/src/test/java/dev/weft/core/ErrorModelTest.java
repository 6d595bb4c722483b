package dev.weft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ErrorModelTest {
    @Test
    void everyKindMapsToItsHttpStatus() {
        assertThat(ErrorKind.INVALID_INPUT.httpStatus()).isEqualTo(400);
        assertThat(ErrorKind.NOT_FOUND.httpStatus()).isEqualTo(404);
        assertThat(ErrorKind.CONFLICT.httpStatus()).isEqualTo(409);
        assertThat(ErrorKind.RATE_LIMITED.httpStatus()).isEqualTo(429);
        assertThat(ErrorKind.INTERNAL.httpStatus()).isEqualTo(500);
        assertThat(ErrorKind.UPSTREAM.httpStatus()).isEqualTo(502);
        assertThat(ErrorKind.UNAVAILABLE.httpStatus()).isEqualTo(503);
        assertThat(ErrorKind.TIMEOUT.httpStatus()).isEqualTo(504);
    }

    @Test
    void anExceptionCarriesItsCodeKindAndField() {
        InvalidInputException error = new InvalidInputException("invalid_identifier", "table", "bad table");

        assertThat(error.code()).isEqualTo("invalid_identifier");
        assertThat(error.kind()).isEqualTo(ErrorKind.INVALID_INPUT);
        assertThat(error.httpStatus()).isEqualTo(400);
        assertThat(error.field()).isEqualTo("table");
        assertThat(error.retryable()).isFalse();
    }

    @Test
    void codesMustBeSnakeCase() {
        assertThatThrownBy(() -> new NotFoundException("Not Found", "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSecretNeverPrintsItself() {
        Secret secret = Secret.of("hunter2");
        InvalidConfigException error = new InvalidConfigException("weft.db.password", secret, "is wrong");

        assertThat(secret.toString()).isEqualTo("****");
        assertThat(error.getMessage()).doesNotContain("hunter2").contains("weft.db.password");
        assertThat(secret.reveal()).isEqualTo("hunter2");
        assertThat(secret).isEqualTo(Secret.of("hunter2")).isNotEqualTo(Secret.of("hunter3"));
    }

    @Test
    void checksNameTheSettingAndNeverClamp() {
        assertThatThrownBy(() -> Checks.atLeast("weft.db.pool.size", 0, 1))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.setting()).isEqualTo("weft.db.pool.size");
                    assertThat(e.getMessage()).contains("weft.db.pool.size=0").contains(">= 1");
                });
        assertThatThrownBy(() -> Checks.parseInt("DATABASE_PORT", "54x32"))
                .isInstanceOfSatisfying(InvalidConfigException.class,
                        e -> assertThat(e.getMessage()).contains("DATABASE_PORT").contains("integer"));
        assertThat(Checks.parseSeconds("t", "1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Checks.parseSeconds("t", "PT2M")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> Checks.parseSeconds("t", "NaN")).isInstanceOf(InvalidConfigException.class);
        // a unit, as people write durations in a config: 500ms, 3s, 2m, 1h (plain numbers stay seconds)
        assertThat(Checks.parseSeconds("t", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Checks.parseSeconds("t", "3s")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Checks.parseSeconds("t", "0.1S")).isEqualTo(Duration.ofMillis(100));
        assertThat(Checks.parseSeconds("t", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Checks.parseSeconds("t", " 1h ")).isEqualTo(Duration.ofHours(1));
        assertThat(Checks.parseSeconds("t", "2 m")).isEqualTo(Duration.ofMinutes(2));
        for (String bad : new String[] {"3sec", "s", "3d", "1e3ms", "99999999999999h"}) {
            assertThatThrownBy(() -> Checks.parseSeconds("t", bad)).as(bad)
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("500ms, 3s, 2m, 1h");
        }
        // well formed but negative: said as such (it was "must be a number of seconds, a number with a unit...")
        for (String negative : new String[] {"-1s", "-5", "PT-5S", "-PT5S", "pt-5s", "PT1H-120M"}) {
            assertThatThrownBy(() -> Checks.parseSeconds("t", negative)).as(negative)
                    .isInstanceOf(InvalidConfigException.class).hasMessageEndingWith("must not be negative");
        }
        assertThatThrownBy(() -> Checks.parseMillis("t", "-250")).hasMessageEndingWith("must not be negative");
        // milliseconds settings: a whole number is milliseconds, a unit is as above
        assertThat(Checks.parseMillis("t", "250")).isEqualTo(Duration.ofMillis(250));
        assertThat(Checks.parseMillis("t", "3s")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Checks.parseMillis("t", "1.5m")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> Checks.parseMillis("t", "2.5")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("whole number of milliseconds");
        assertThat(Checks.parseBoolean("b", "Yes")).isTrue();
        assertThatThrownBy(() -> Checks.parseBoolean("b", "maybe")).isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void virtualThreadExecutorsRunTasksOnNamedVirtualThreads() throws Exception {
        try (var executor = VirtualThreads.newExecutor("weft-test")) {
            Thread thread = executor.submit(Thread::currentThread).get();

            assertThat(thread.isVirtual()).isTrue();
            assertThat(thread.getName()).startsWith("weft-test-");
        }
    }
}
