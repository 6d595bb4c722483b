package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service's configuration from the environment, its defaults and its checks. */
class ServiceConfigTest {
    @Test
    void defaultsAreTheEmbeddedService() {
        ServiceConfig config = ServiceConfig.fromEnv(Map.of());

        assertThat(config.bind()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.dataDir()).isEqualTo(Path.of("weft-data"));
        assertThat(config.database()).isNull();
        assertThat(config.databaseOrDefault().type()).isEqualTo(DatabaseType.SQLITE);
        assertThat(config.maxBody()).isEqualTo(1L << 20);
        assertThat(config.maxUpload()).isEqualTo(512L << 20);
        assertThat(config.rateLimit()).isEqualTo(1000);
        assertThat(config.metricsPublic()).isFalse();
        assertThat(config.infoPublic()).isFalse();
        assertThat(config.redis()).isEmpty();
    }

    @Test
    void theSqliteFileIsWhatTheDriverOpensAndNoneForAServerDatabase() {
        assertThat(ServiceConfig.defaults().withDataDir(Path.of("/srv/weft")).sqliteFile())
                .contains(Path.of("/srv/weft/weft.db"));
        assertThat(ServiceConfig.defaults().withDatabase(DatabaseConfig.sqlite("file:/data/app.db?cache=private"))
                .sqliteFile()).contains(Path.of("/data/app.db"));
        assertThat(ServiceConfig.defaults().withDatabase(DatabaseConfig.sqlite("rel/app.db")).sqliteFile())
                .contains(Path.of("rel/app.db"));
        assertThat(ServiceConfig.defaults().withDatabase(DatabaseConfig.fromUrl(
                "postgresql://postgres@127.0.0.1:5432/test").build()).sqliteFile()).isEmpty();
    }

    @Test
    void readsEveryVariable() {
        ServiceConfig config = ServiceConfig.fromEnv(Map.ofEntries(
                Map.entry("WEFT_PORT", "9090"), Map.entry("WEFT_BIND", "0.0.0.0"),
                Map.entry("WEFT_DATA_DIR", "/tmp/x"), Map.entry("WEFT_WORKERS", "8"),
                Map.entry("DATABASE_URL", "postgresql://u:secret@db:5433/app"),
                Map.entry("REDIS_URL", "redis://r:6379"), Map.entry("PROVIDER_URL", "http://p:9000"),
                Map.entry("WEFT_ADMIN_KEY", "admin-key-0123456789"), Map.entry("WEFT_MAX_BODY", "2048"),
                Map.entry("WEFT_MAX_UPLOAD", "4096"), Map.entry("WEFT_RATE_LIMIT", "50"),
                Map.entry("WEFT_METRICS_PUBLIC", "true"), Map.entry("WEFT_SHUTDOWN_GRACE", "3"),
                Map.entry("WEFT_INFO_PUBLIC", "true")));

        assertThat(config.port()).isEqualTo(9090);
        assertThat(config.bind()).isEqualTo("0.0.0.0");
        assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/x"));
        assertThat(config.workers()).isEqualTo(8);
        assertThat(config.databaseOrDefault().type()).isEqualTo(DatabaseType.POSTGRESQL);
        assertThat(config.databaseOrDefault().port()).isEqualTo(5433);
        assertThat(config.toString()).doesNotContain("secret").doesNotContain("admin-key-0123456789");
        assertThat(config.redisUrl()).isEqualTo("redis://r:6379");
        assertThat(config.providerUrl()).isEqualTo("http://p:9000");
        assertThat(config.adminKey().reveal()).isEqualTo("admin-key-0123456789");
        assertThat(config.maxBody()).isEqualTo(2048);
        assertThat(config.maxUpload()).isEqualTo(4096);
        assertThat(config.rateLimit()).isEqualTo(50);
        assertThat(config.metricsPublic()).isTrue();
        assertThat(config.infoPublic()).isTrue();
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void theRequestTimeoutDefaultsToFiveSecondsAndReadsSecondsOrIso() {
        assertThat(ServiceConfig.fromEnv(Map.of()).requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_REQUEST_TIMEOUT", "2.5")).requestTimeout())
                .isEqualTo(Duration.ofMillis(2500));
        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_REQUEST_TIMEOUT", "PT1M")).requestTimeout())
                .isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_REQUEST_TIMEOUT", "0.05")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_REQUEST_TIMEOUT");
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_REQUEST_TIMEOUT", "soon")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_REQUEST_TIMEOUT");
        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_DB_STARTUP_WAIT", "3s")).databaseWait())
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_REQUEST_TIMEOUT", "500ms")).requestTimeout())
                .isEqualTo(Duration.ofMillis(500));
        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_SHUTDOWN_GRACE", "2m")).shutdownGrace())
                .isEqualTo(Duration.ofMinutes(2));
        // the range holds whatever the unit
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_REQUEST_TIMEOUT", "50ms")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("at least 100 ms");
    }

    @Test
    void theConnectionLimitsDefaultAsAnOperatorExpectsAndRefuseNonsenseNamingTheSetting() {
        ServiceConfig defaults = ServiceConfig.fromEnv(Map.of());
        assertThat(defaults.maxConnections()).isEqualTo(10_000);
        assertThat(defaults.headerTimeout()).isEqualTo(Duration.ofSeconds(20));

        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_MAX_CONNECTIONS", "500")).maxConnections()).isEqualTo(500);
        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_HEADER_TIMEOUT", "30s")).headerTimeout())
                .isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_MAX_CONNECTIONS", "0")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_MAX_CONNECTIONS");
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_HEADER_TIMEOUT", "10ms")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_HEADER_TIMEOUT");
        assertThatThrownBy(() -> defaults.withHeaderTimeout(Duration.ZERO))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_HEADER_TIMEOUT");
        assertThat(defaults.withMaxConnections(3).withHeaderTimeout(Duration.ofSeconds(2)).maxConnections())
                .isEqualTo(3);
    }

    @Test
    void flagsWinOverTheEnvironment() {
        ServiceConfig config = ServiceConfig.fromEnv(Map.of("WEFT_PORT", "9090", "WEFT_WORKERS", "8"))
                .withPort(7070).withWorkers(2);

        assertThat(config.port()).isEqualTo(7070);
        assertThat(config.workers()).isEqualTo(2);
    }

    @Test
    void aBuilderKeepsEverySettingItWasNotToldToChangeAndChecksWhatItBuilds() {
        ServiceConfig read = ServiceConfig.fromEnv(Map.of("WEFT_PORT", "9090", "WEFT_MAX_UPLOAD", "4096",
                "WEFT_HEADER_TIMEOUT", "3", "WEFT_INFO_PUBLIC", "true"));

        assertThat(read.toBuilder().build()).isEqualTo(read);
        ServiceConfig changed = read.toBuilder().workers(3).maxBody(2048).build();
        assertThat(changed).isEqualTo(read.withWorkers(3).withMaxBody(2048));
        assertThat(changed.maxUpload()).isEqualTo(4096);
        assertThat(changed.headerTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(changed.port()).isEqualTo(9090);
        assertThat(ServiceConfig.builder().build()).isEqualTo(ServiceConfig.defaults());
        assertThatThrownBy(() -> read.toBuilder().maxUpload(10).build()).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("WEFT_MAX_UPLOAD");
    }

    @Test
    void invalidValuesFailNamingTheSetting() {
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_PORT", "http")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_PORT");
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_PORT", "70000")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.port");
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_RATE_LIMIT", "0")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.rate-limit");
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_METRICS_PUBLIC", "maybe")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_METRICS_PUBLIC");
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_MAX_BODY", "10")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.max-body");
    }

    @Test
    void aPlaceholderOrShortAdminKeyIsRefusedWithoutShowingIt() {
        for (String weak : new String[] {"change-me-to-a-long-random-key", "change-me-please-0123456789", "short-key-15chr"}) {
            assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_ADMIN_KEY", weak))).as(weak)
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("WEFT_ADMIN_KEY")
                    .hasMessageContaining("at least 16 characters")
                    .hasMessageNotContaining(weak);
        }
        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_ADMIN_KEY", "sixteen-chars-ok")).adminKey().reveal())
                .isEqualTo("sixteen-chars-ok");
        assertThat(ServiceConfig.fromEnv(Map.of("WEFT_ADMIN_KEY", "")).adminKey()).isNull();
    }

    @Test
    void anUnknownLogFormatIsRefusedNamingTheAllowedOnes() {
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_LOG_FORMAT", "xml")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid setting WEFT_LOG_FORMAT='xml': must be ecs (the default; json is an alias), "
                        + "logstash or text");
        for (String known : new String[] {"ecs", "json", "LOGSTASH", "text", " "}) {
            assertThat(ServiceConfig.fromEnv(Map.of("WEFT_LOG_FORMAT", known))).as(known).isNotNull();
        }
    }

    @Test
    void theEmbeddedDatabaseTakesTheTuningVariablesWhereverTheDataDirectoryGoes() {
        ServiceConfig config = ServiceConfig.fromEnv(Map.of("WEFT_DB_POOL_SIZE", "3", "DATABASE_STATEMENT_TIMEOUT",
                "7", "WEFT_DB_SLOW_QUERY_THRESHOLD", "0.25", "WEFT_DATA_DIR", "/tmp/a"))
                .withDataDir(Path.of("/tmp/b")).withRateLimit(20);

        assertThat(config.database()).isNull();
        DatabaseConfig embedded = config.databaseOrDefault();
        assertThat(embedded.type()).isEqualTo(DatabaseType.SQLITE);
        assertThat(embedded.database()).isEqualTo(Path.of("/tmp/b", "weft.db").toString());
        assertThat(embedded.pool().size()).isEqualTo(3);
        assertThat(embedded.statementTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(embedded.slowQueryThreshold()).isEqualTo(Duration.ofMillis(250));
        // none set: the defaults, as before
        assertThat(ServiceConfig.fromEnv(Map.of()).databaseOrDefault())
                .isEqualTo(DatabaseConfig.sqlite(Path.of("weft-data", "weft.db").toString()));
    }

    @Test
    void aBadTuningVariableIsRefusedOnTheEmbeddedDatabaseToo() {
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_DB_POOL_SIZE", "0")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_DB_POOL_SIZE");
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("DATABASE_POOL_TIMEOUT", "soon")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("DATABASE_POOL_TIMEOUT");
    }

    @Test
    void aServerVariableWithoutADatabaseUrlIsRefusedNotIgnored() {
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("DATABASE_HOST", "db.internal")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("DATABASE_HOST").hasMessageContaining("DATABASE_URL");
        assertThatThrownBy(() -> ServiceConfig.fromEnv(Map.of("WEFT_DB_PASSWORD", "hunter2-secret")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("WEFT_DB_PASSWORD").hasMessageNotContaining("hunter2-secret");
        // with a URL they are the server's
        assertThat(ServiceConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://db/app", "DATABASE_PASSWORD", "x"))
                .database()).isNotNull();
    }

    @Test
    void everyWitherKeepsTheOtherSettings() {
        ServiceConfig config = ServiceConfig.fromEnv(Map.of("WEFT_WEBHOOKS_SECRET_KEY",
                "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "WEFT_DB_POOL_SIZE", "4"));

        ServiceConfig changed = config.withRateLimit(7).withPort(9999).withBind("0.0.0.0").withWorkers(2)
                .withMaxBody(4096).withInfoPublic(true).withMetricsPublic(true).withRequestTimeout(Duration.ofSeconds(2))
                .withDatabaseWait(Duration.ofSeconds(1)).withProviderUrl("http://p").withRedisUrl("redis://r");

        assertThat(changed.webhooks()).isEqualTo(config.webhooks());
        assertThat(changed.embedded()).isEqualTo(config.embedded());
        assertThat(changed.rateLimit()).isEqualTo(7);
    }
}
