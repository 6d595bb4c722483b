package dev.weft.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.weft.cache.Cache;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Redis answering with an error instead of a value (a wrong password, a full Redis, a key of another type): the cache
 * misses and drops writes as in an outage, but says why at WARN, without the password or the address.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisRefusalTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final String PASSWORD = "refusal-test-pw";

    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger log = (Logger) LoggerFactory.getLogger(RedisCaches.class);

    @BeforeEach
    void captureLog() {
        lines.start();
        log.addAppender(lines);
    }

    @AfterEach
    void stopCapturing() {
        log.detachAppender(lines);
    }

    /** @return the lines saying Redis refused a call of {@code namespace} */
    private List<ILoggingEvent> refusals(String namespace) {
        return lines.list.stream().filter(event -> event.getMessage().startsWith("redis refused a call"))
                .filter(event -> event.getKeyValuePairs().stream()
                        .anyMatch(pair -> pair.key.equals("namespace") && namespace.equals(pair.value)))
                .toList();
    }

    private static String codeOf(ILoggingEvent event) {
        return event.getKeyValuePairs().stream().filter(pair -> pair.key.equals("error.code"))
                .map(pair -> String.valueOf(pair.value)).findFirst().orElse("");
    }

    @Test
    void aWrongPasswordIsLoggedAtWarnWithRedisErrorCodeAndNeitherThePasswordNorTheAddress() {
        try (RedisProcess server = RedisProcess.startInRange(19560)) {
            try (TestRedis admin = TestRedis.at("redis://127.0.0.1:" + server.port() + "/0")) {
                admin.raw().configSet("requirepass", PASSWORD);
            }
            try (RedisCaches caches = RedisCaches.connect(RedisConfig.of("redis://:wrong-" + PASSWORD + "@127.0.0.1:"
                    + server.port() + "/0").withNamespace("refusal"))) {
                Cache cache = caches.cache("users");

                cache.put("user:1", "Ada", MINUTE);

                assertThat(cache.get("user:1", String.class)).isEmpty();
                // before, only "redis did not take it within the command timeout or is unreachable" was logged
                assertThat(refusals("refusal")).singleElement().satisfies(event -> {
                    assertThat(event.getLevel()).isEqualTo(Level.WARN);
                    assertThat(codeOf(event)).isEqualTo("WRONGPASS");
                });
                assertThat(lines.list).allSatisfy(event -> assertThat(event.getFormattedMessage()
                        + event.getKeyValuePairs()).doesNotContain(PASSWORD).doesNotContain(":" + server.port()));
            }
        }
    }

    @Test
    void aFullRedisIsLoggedAtWarnAsOom() {
        try (RedisProcess server = RedisProcess.startInRange(19560)) {
            String url = "redis://127.0.0.1:" + server.port() + "/0";
            try (TestRedis admin = TestRedis.at(url)) {
                admin.raw().configSet("maxmemory", "1"); // any write is over the limit
                admin.raw().configSet("maxmemory-policy", "noeviction");
            }
            try (RedisCaches caches = RedisCaches.connect(RedisConfig.of(url).withNamespace("refusal"))) {
                Cache cache = caches.cache("users");

                cache.put("user:1", "Ada", MINUTE);

                assertThat(cache.stats().droppedWrites()).isEqualTo(1);
                assertThat(refusals("refusal")).singleElement().satisfies(event -> assertThat(codeOf(event)).isEqualTo("OOM"));
            }
        }
    }

    @Test
    void aKeyHoldingAnotherTypeIsAMissAndDoesNotOpenTheBreakerForTheOtherKeys() {
        try (TestRedis redis = TestRedis.shared(); RedisCaches caches = RedisCaches.connect(redis.config())) {
            Cache cache = caches.cache("users");
            cache.put("user:1", "Ada", MINUTE);
            redis.raw().hset(redis.namespace() + ":users:user:2", "written", "by something else");

            for (int i = 0; i < 20; i++) {
                assertThat(cache.get("user:2", String.class)).isEmpty();
            }

            // before, 5 such reads opened the breaker: every key of every cache then missed
            assertThat(caches.breakerState()).isEqualTo(RedisBreakerState.CLOSED);
            assertThat(cache.get("user:1", String.class)).contains("Ada");
            assertThat(cache.stats().errors()).isEqualTo(20);
            assertThat(refusals(redis.namespace())).singleElement()
                    .satisfies(event -> assertThat(codeOf(event)).isEqualTo("WRONGTYPE"));
        }
    }
}
