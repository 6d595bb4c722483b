package dev.weft.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseConfigTest {
    private static final String PASSWORD = "Zx9-s3cret-pw";

    @Nested
    class BuiltInCode {
        @Test
        void fillsEveryDefaultWhenOnlyTypeAndDatabaseAreGiven() {
            DatabaseConfig config = DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("app").build();

            assertThat(config.name()).isEqualTo(DatabaseConfig.DEFAULT_NAME).isEqualTo("primary");
            assertThat(config.type()).isEqualTo(DatabaseType.POSTGRESQL);
            assertThat(config.host()).isEqualTo("127.0.0.1");
            assertThat(config.port()).isEqualTo(5432);
            assertThat(config.database()).isEqualTo("app");
            assertThat(config.username()).isEmpty();
            assertThat(config.password().isEmpty()).isTrue();
            assertThat(config.pool()).isEqualTo(PoolConfig.defaults());
            assertThat(config.statementTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(config.retry()).isEqualTo(RetryConfig.defaults());
            assertThat(config.slowQueryThreshold()).isEqualTo(Duration.ofSeconds(1));
            assertThat(config.properties()).isEmpty();
        }

        @Test
        void usesTheDocumentedPoolDefaults() {
            PoolConfig pool = DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("app").build().pool();

            assertThat(pool.size()).isEqualTo(10);
            assertThat(pool.maxOverflow()).isZero();
            assertThat(pool.acquireTimeout()).isEqualTo(Duration.ofSeconds(30));
            assertThat(pool.recycle()).isEqualTo(Duration.ofMinutes(30));
            assertThat(pool.prePing()).isTrue();
            assertThat(pool.idleTimeout()).isEqualTo(Duration.ofMinutes(1));
            assertThat(pool.maxConnections()).isEqualTo(10);
        }

        @Test
        void usesTheDocumentedRetryDefaults() {
            RetryConfig retry = DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("app").build().retry();

            assertThat(retry.maxRetries()).isEqualTo(3);
            assertThat(retry.initialDelay()).isEqualTo(Duration.ofMillis(50));
            assertThat(retry.multiplier()).isEqualTo(2.0);
            assertThat(retry.maxDelay()).isEqualTo(Duration.ofSeconds(2));
        }

        @Test
        void defaultsThePortToTheProductsUsualPort() {
            assertThat(DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("a").build().port()).isEqualTo(5432);
            assertThat(DatabaseConfig.builder(DatabaseType.MARIADB).database("a").build().port()).isEqualTo(3306);
            assertThat(DatabaseConfig.builder(DatabaseType.MYSQL).database("a").build().port()).isEqualTo(3306);
            assertThat(DatabaseConfig.builder(DatabaseType.SQLITE).database("a.db").build().port()).isZero();
        }

        @Test
        void keepsEveryValueSetOnTheBuilder() {
            DatabaseConfig config = DatabaseConfig.builder(DatabaseType.MARIADB).name("orders").host("db.internal")
                    .port(3307).database("shop").username("app").password(PASSWORD).poolSize(20).maxOverflow(5)
                    .acquireTimeout(Duration.ofSeconds(3)).statementTimeout(Duration.ZERO)
                    .connectTimeout(Duration.ofSeconds(2)).retry(RetryConfig.none())
                    .slowQueryThreshold(Duration.ofMillis(250)).property("useSsl", "true").build();

            assertThat(config.name()).isEqualTo("orders");
            assertThat(config.host()).isEqualTo("db.internal");
            assertThat(config.port()).isEqualTo(3307);
            assertThat(config.database()).isEqualTo("shop");
            assertThat(config.username()).isEqualTo("app");
            assertThat(config.password().reveal()).isEqualTo(PASSWORD);
            assertThat(config.pool().size()).isEqualTo(20);
            assertThat(config.pool().maxOverflow()).isEqualTo(5);
            assertThat(config.pool().maxConnections()).isEqualTo(25);
            assertThat(config.pool().acquireTimeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(config.statementTimeout()).isZero();
            assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(config.retry().maxRetries()).isZero();
            assertThat(config.slowQueryThreshold()).isEqualTo(Duration.ofMillis(250));
            assertThat(config.properties()).containsExactly(Map.entry("useSsl", "true"));
        }

        @Test
        void roundTripsThroughToBuilder() {
            DatabaseConfig config = DatabaseConfig.builder(DatabaseType.POSTGRESQL).name("x").host("h").port(6543)
                    .database("d").username("u").password(PASSWORD).poolSize(3).property("sslmode", "require")
                    .build();

            DatabaseConfig copy = config.toBuilder().build();

            assertThat(copy).isEqualTo(config);
            assertThat(copy.password().reveal()).isEqualTo(PASSWORD);
        }
    }

    @Nested
    class FromUrl {
        @Test
        void parsesAPostgresqlUrlWithUserPasswordHostPortAndDatabase() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://user:pass@host:5432/db").build();

            assertThat(config.type()).isEqualTo(DatabaseType.POSTGRESQL);
            assertThat(config.host()).isEqualTo("host");
            assertThat(config.port()).isEqualTo(5432);
            assertThat(config.database()).isEqualTo("db");
            assertThat(config.username()).isEqualTo("user");
            assertThat(config.password().reveal()).isEqualTo("pass");
            assertThat(config.properties()).isEmpty();
        }

        /** A primary and its standby, as pgjdbc takes them: the pool finds the writable one after a failover. */
        @Test
        void takesSeveralPostgresqlHostsWithTheirPortsAndDriverSettings() {
            DatabaseConfig config = DatabaseConfig.fromUrl(
                    "postgresql://app:pw@pg-a:5432,pg-b:5433,pg-c/orders?targetServerType=primary").build();

            assertThat(config.host()).isEqualTo("pg-a:5432,pg-b:5433,pg-c:5432");
            assertThat(config.username()).isEqualTo("app");
            assertThat(config.password().reveal()).isEqualTo("pw");
            assertThat(config.database()).isEqualTo("orders");
            assertThat(config.properties()).containsEntry("targetServerType", "primary");
            assertThat(config.redactedUrl()).isEqualTo("postgresql://app:****@pg-a:5432,pg-b:5433,pg-c:5432/orders");
            assertThat(dev.weft.db.internal.Dialect.of(DatabaseType.POSTGRESQL).jdbcUrl(config))
                    .isEqualTo("jdbc:postgresql://pg-a:5432,pg-b:5433,pg-c:5432/orders");
            assertThat(DatabaseConfig.fromUrl("postgresql://app@pg-a,pg-b/orders").build().properties())
                    .as("never settles on a standby unless told to").containsEntry("targetServerType", "primary");
            assertThatThrownBy(() -> DatabaseConfig.fromUrl("mariadb://root@m1:3306,m2:3306/db"))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("several hosts");
        }

        @Test
        void aPortThatIsNotANumberIsNamedAsSuch() {
            assertThatThrownBy(() -> DatabaseConfig.fromUrl("postgresql://u:secret-pw@db:notaport/app"))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("a port that is not a number").hasMessageNotContaining("secret-pw");
            assertThatThrownBy(() -> DatabaseConfig.fromUrl("postgresql:///app"))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("has no host");
        }

        @Test
        void acceptsThePostgresSchemeAndDefaultsThePort() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgres://app:pw@db.example.com/orders").build();

            assertThat(config.type()).isEqualTo(DatabaseType.POSTGRESQL);
            assertThat(config.host()).isEqualTo("db.example.com");
            assertThat(config.port()).isEqualTo(5432);
            assertThat(config.database()).isEqualTo("orders");
        }

        @Test
        void acceptsSqlAlchemyDriverSuffixes() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql+asyncpg://app:pw@db:6543/orders").build();

            assertThat(config.type()).isEqualTo(DatabaseType.POSTGRESQL);
            assertThat(config.host()).isEqualTo("db");
            assertThat(config.port()).isEqualTo(6543);
            assertThat(config.database()).isEqualTo("orders");
            assertThat(config.username()).isEqualTo("app");
            assertThat(config.password().reveal()).isEqualTo("pw");
        }

        @Test
        void parsesAMysqlUrl() {
            DatabaseConfig config = DatabaseConfig.fromUrl("mysql://root:pw@127.0.0.1:3307/shop").build();

            assertThat(config.type()).isEqualTo(DatabaseType.MYSQL);
            assertThat(config.host()).isEqualTo("127.0.0.1");
            assertThat(config.port()).isEqualTo(3307);
            assertThat(config.database()).isEqualTo("shop");
            assertThat(config.username()).isEqualTo("root");
        }

        @Test
        void parsesAMariadbUrlAndDefaultsThePort() {
            DatabaseConfig config = DatabaseConfig.fromUrl("mariadb://root@localhost/shop").build();

            assertThat(config.type()).isEqualTo(DatabaseType.MARIADB);
            assertThat(config.host()).isEqualTo("localhost");
            assertThat(config.port()).isEqualTo(3306);
            assertThat(config.database()).isEqualTo("shop");
            assertThat(config.username()).isEqualTo("root");
            assertThat(config.password().isEmpty()).isTrue();
        }

        @Test
        void parsesAJdbcPostgresqlUrlWithCredentialsInQueryParameters() {
            DatabaseConfig config = DatabaseConfig
                    .fromUrl("jdbc:postgresql://pg.internal:5433/app?user=svc&password=pw&sslmode=require").build();

            assertThat(config.type()).isEqualTo(DatabaseType.POSTGRESQL);
            assertThat(config.host()).isEqualTo("pg.internal");
            assertThat(config.port()).isEqualTo(5433);
            assertThat(config.database()).isEqualTo("app");
            assertThat(config.username()).isEqualTo("svc");
            assertThat(config.password().reveal()).isEqualTo("pw");
            assertThat(config.properties()).containsExactly(Map.entry("sslmode", "require"));
        }

        @Test
        void parsesJdbcMariadbAndJdbcMysqlUrls() {
            assertThat(DatabaseConfig.fromUrl("jdbc:mariadb://h:3306/db").build().type())
                    .isEqualTo(DatabaseType.MARIADB);
            assertThat(DatabaseConfig.fromUrl("jdbc:mysql://h:3306/db").build().type())
                    .isEqualTo(DatabaseType.MYSQL);
        }

        @Test
        void turnsOtherQueryParametersIntoDriverProperties() {
            DatabaseConfig config = DatabaseConfig
                    .fromUrl("postgresql://u:p@h/db?sslmode=verify-full&ApplicationName=my%20app&tcpKeepAlive")
                    .build();

            assertThat(config.properties()).containsOnly(Map.entry("sslmode", "verify-full"),
                    Map.entry("ApplicationName", "my app"), Map.entry("tcpKeepAlive", ""));
        }

        @Test
        void letsTheUserQueryParameterSetTheUsername() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://h/db?user=reporter").build();

            assertThat(config.username()).isEqualTo("reporter");
            assertThat(config.password().isEmpty()).isTrue();
        }

        @Test
        void decodesAPercentEncodedPasswordQueryParameter() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://h/db?user=u&password=p%26w%3Dd").build();

            assertThat(config.password().reveal()).isEqualTo("p&w=d");
            assertThat(config.properties()).isEmpty();
        }

        @Test
        void decodesAPercentEncodedPasswordInTheUserInfo() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://app:p%40ss%3Aw%2Fo%23rd%25@h/db").build();

            assertThat(config.username()).isEqualTo("app");
            assertThat(config.password().reveal()).isEqualTo("p@ss:w/o#rd%");
        }

        @Test
        void decodesAPercentEncodedUsernameAndDatabase() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://svc%40corp:pw@h/my%20db").build();

            assertThat(config.username()).isEqualTo("svc@corp");
            assertThat(config.database()).isEqualTo("my db");
        }

        /**
         * A '+' in the user-info part of a URL is a literal plus (RFC 3986 sub-delim), not an encoded space: only
         * form-encoded query strings turn '+' into a space. SQLAlchemy and libpq keep it as '+'.
         */
        @Test
        void keepsAPlusSignInThePasswordLiterally() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://app:s3cr+t@h/db").build();

            assertThat(config.password().reveal()).isEqualTo("s3cr+t");
        }

        @Test
        void parsesAJdbcSqliteUrlWithARelativePath() {
            DatabaseConfig config = DatabaseConfig.fromUrl("jdbc:sqlite:data/app.db").build();

            assertThat(config.type()).isEqualTo(DatabaseType.SQLITE);
            assertThat(config.database()).isEqualTo("data/app.db");
        }

        @Test
        void parsesAJdbcSqliteUrlWithAnAbsolutePath() {
            DatabaseConfig config = DatabaseConfig.fromUrl("jdbc:sqlite:/var/lib/app/app.db").build();

            assertThat(config.database()).isEqualTo("/var/lib/app/app.db");
        }

        @Test
        void readsSqlAlchemysThreeSlashFormAsARelativePath() {
            DatabaseConfig config = DatabaseConfig.fromUrl("sqlite:///rel.db").build();

            assertThat(config.type()).isEqualTo(DatabaseType.SQLITE);
            assertThat(config.database()).isEqualTo("rel.db");
        }

        @Test
        void readsSqlAlchemysFourSlashFormAsAnAbsolutePath() {
            DatabaseConfig config = DatabaseConfig.fromUrl("sqlite:////abs.db").build();

            assertThat(config.database()).isEqualTo("/abs.db");
        }

        @Test
        void acceptsTheShortSqliteForm() {
            DatabaseConfig config = DatabaseConfig.fromUrl("sqlite:app.db").build();

            assertThat(config.database()).isEqualTo("app.db");
        }

        /** The Javadoc of fromUrl: "other query parameters become driver properties", for every accepted form. */
        @Test
        void turnsSqliteQueryParametersIntoDriverProperties() {
            DatabaseConfig config = DatabaseConfig.fromUrl("jdbc:sqlite:app.db?busy_timeout=1000").build();

            assertThat(config.database()).isEqualTo("app.db");
            assertThat(config.properties()).containsExactly(Map.entry("busy_timeout", "1000"));
        }

        @Test
        void refusesAUrlWithoutADatabase() {
            InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                    () -> DatabaseConfig.fromUrl("postgresql://u:p@h:5432/"));

            assertThat(error.setting()).contains("DATABASE_URL");
            assertThat(error.getMessage()).contains("no database");
        }

        @Test
        void refusesAUrlWithoutAHost() {
            InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                    () -> DatabaseConfig.fromUrl("postgresql:///db"));

            assertThat(error.setting()).contains("DATABASE_URL");
            assertThat(error.getMessage()).contains("no host");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "   ", "no-scheme-here", "oracle://u:p@h/db"})
        void refusesTextThatIsNotADatabaseUrl(String url) {
            InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                    () -> DatabaseConfig.fromUrl(url));

            assertThat(error.setting()).isEqualTo("weft.db.url (DATABASE_URL)");
            assertThat(error.getMessage()).contains(error.setting());
        }
    }

    @Nested
    class FromEnv {
        @Test
        void readsDatabaseUrl() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:pw@h:5433/app"));

            assertThat(config.type()).isEqualTo(DatabaseType.POSTGRESQL);
            assertThat(config.host()).isEqualTo("h");
            assertThat(config.port()).isEqualTo(5433);
            assertThat(config.database()).isEqualTo("app");
            assertThat(config.username()).isEqualTo("u");
            assertThat(config.password().reveal()).isEqualTo("pw");
            assertThat(config.pool()).isEqualTo(PoolConfig.defaults());
        }

        @Test
        void readsTheSeparateConnectionVariables() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_TYPE", "mariadb", "DATABASE_HOST",
                    "db.internal", "DATABASE_PORT", "3307", "DATABASE_NAME", "shop", "DATABASE_USER", "app",
                    "DATABASE_PASSWORD", PASSWORD));

            assertThat(config.type()).isEqualTo(DatabaseType.MARIADB);
            assertThat(config.host()).isEqualTo("db.internal");
            assertThat(config.port()).isEqualTo(3307);
            assertThat(config.database()).isEqualTo("shop");
            assertThat(config.username()).isEqualTo("app");
            assertThat(config.password().reveal()).isEqualTo(PASSWORD);
        }

        @Test
        void defaultsHostAndPortWhenOnlyTypeAndNameAreSet() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_TYPE", "postgres", "DATABASE_NAME",
                    "app"));

            assertThat(config.host()).isEqualTo("127.0.0.1");
            assertThat(config.port()).isEqualTo(5432);
        }

        @Test
        void letsDatabasePasswordSupplyThePasswordOfAUrlWithoutOne() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u@h/app",
                    "DATABASE_PASSWORD", PASSWORD));

            assertThat(config.username()).isEqualTo("u");
            assertThat(config.password().reveal()).isEqualTo(PASSWORD);
        }

        @Test
        void readsThePoolVariables() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:p@h/app",
                    "DATABASE_POOL_SIZE", "15", "DATABASE_MAX_OVERFLOW", "5", "DATABASE_POOL_TIMEOUT", "2.5",
                    "DATABASE_POOL_RECYCLE", "600", "DATABASE_POOL_PRE_PING", "false"));

            PoolConfig pool = config.pool();
            assertThat(pool.size()).isEqualTo(15);
            assertThat(pool.maxOverflow()).isEqualTo(5);
            assertThat(pool.acquireTimeout()).isEqualTo(Duration.ofMillis(2500));
            assertThat(pool.recycle()).isEqualTo(Duration.ofMinutes(10));
            assertThat(pool.prePing()).isFalse();
        }

        @Test
        void readsPoolTimeoutAsSeconds() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:p@h/app",
                    "DATABASE_POOL_TIMEOUT", "30"));

            assertThat(config.pool().acquireTimeout()).isEqualTo(Duration.ofSeconds(30));
        }

        @Test
        void readsTheOtherTimingAndRetryVariables() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:p@h/app",
                    "DATABASE_STATEMENT_TIMEOUT", "5", "DATABASE_CONNECT_TIMEOUT", "2", "DATABASE_MAX_RETRIES", "1",
                    "DATABASE_SLOW_QUERY_THRESHOLD", "0.5"));

            assertThat(config.statementTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(config.retry().maxRetries()).isEqualTo(1);
            assertThat(config.slowQueryThreshold()).isEqualTo(Duration.ofMillis(500));
        }

        @Test
        void prefersTheWeftDbFormOfEachVariable() {
            Map<String, String> env = new HashMap<>();
            env.put("DATABASE_URL", "postgresql://u:p@old-host/old");
            env.put("WEFT_DB_URL", "postgresql://u:p@new-host/new");
            env.put("DATABASE_POOL_SIZE", "15");
            env.put("WEFT_DB_POOL_SIZE", "7");
            env.put("DATABASE_MAX_OVERFLOW", "5");
            env.put("WEFT_DB_MAX_OVERFLOW", "2");
            env.put("DATABASE_POOL_TIMEOUT", "9");
            env.put("WEFT_DB_POOL_TIMEOUT", "3");
            env.put("DATABASE_POOL_RECYCLE", "600");
            env.put("WEFT_DB_POOL_RECYCLE", "120");
            env.put("DATABASE_POOL_PRE_PING", "true");
            env.put("WEFT_DB_POOL_PRE_PING", "false");
            env.put("DATABASE_PASSWORD", "old-password");
            env.put("WEFT_DB_PASSWORD", PASSWORD);

            DatabaseConfig config = DatabaseConfig.fromEnv(env);

            assertThat(config.host()).isEqualTo("new-host");
            assertThat(config.database()).isEqualTo("new");
            assertThat(config.pool().size()).isEqualTo(7);
            assertThat(config.pool().maxOverflow()).isEqualTo(2);
            assertThat(config.pool().acquireTimeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(config.pool().recycle()).isEqualTo(Duration.ofMinutes(2));
            assertThat(config.pool().prePing()).isFalse();
            assertThat(config.password().reveal()).isEqualTo(PASSWORD);
        }

        @Test
        void prefersWeftDbTypeOverDatabaseType() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_TYPE", "postgresql", "WEFT_DB_TYPE",
                    "mariadb", "DATABASE_NAME", "shop"));

            assertThat(config.type()).isEqualTo(DatabaseType.MARIADB);
        }

        @Test
        void ignoresAnEmptyWeftDbVariable() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:p@h/app",
                    "WEFT_DB_POOL_SIZE", "", "DATABASE_POOL_SIZE", "12"));

            assertThat(config.pool().size()).isEqualTo(12);
        }

        @Test
        void aBadPoolSettingNamesBothVariablesThatSetIt() {
            // it named only DATABASE_POOL_SIZE, also when WEFT_DB_POOL_SIZE was the one set
            assertThatThrownBy(() -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:p@h/app",
                    "WEFT_DB_POOL_SIZE", "0"))).isInstanceOf(dev.weft.core.InvalidConfigException.class)
                    .hasMessageContaining("weft.db.pool.size (WEFT_DB_POOL_SIZE or DATABASE_POOL_SIZE)=0");
        }

        /**
         * 45 s is a valid recycle (the floor is 30 s) and the environment offers no way to set the idle timeout,
         * so DATABASE_POOL_RECYCLE alone must be enough.
         */
        @Test
        void acceptsAPoolRecycleBelowTheDefaultIdleTimeout() {
            DatabaseConfig fixed = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:p@h/app",
                    "DATABASE_POOL_RECYCLE", "45"));
            DatabaseConfig overflowing = DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:p@h/app",
                    "DATABASE_POOL_RECYCLE", "45", "DATABASE_MAX_OVERFLOW", "5", "DATABASE_POOL_IDLE_TIMEOUT", "20"));

            assertThat(fixed.pool().recycle()).isEqualTo(Duration.ofSeconds(45));
            assertThat(overflowing.pool().idleTimeout()).isEqualTo(Duration.ofSeconds(20));
        }

        @Test
        void refusesAnIdleTimeoutNotShorterThanTheRecycleWhenOverflowIsOn() {
            InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                    () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://u:p@h/app",
                            "DATABASE_POOL_RECYCLE", "45", "DATABASE_MAX_OVERFLOW", "5")));

            assertThat(error.setting()).contains("DATABASE_POOL_IDLE_TIMEOUT");
        }

        @Test
        void refusesAnEnvironmentThatNamesNoDatabase() {
            InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                    () -> DatabaseConfig.fromEnv(Map.of("DATABASE_POOL_SIZE", "5")));

            assertThat(error.setting()).contains("DATABASE_URL");
            assertThat(error.getMessage()).contains("DATABASE_URL").contains("DATABASE_TYPE");
        }
    }

    @Nested
    class InvalidSettings {
        static Stream<Arguments> invalidSettings() {
            String url = "postgresql://u:" + PASSWORD + "@h/app";
            return Stream.of(
                    invalid("pool size 0 (builder)", "weft.db.pool.size",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("a").poolSize(0).build()),
                    invalid("pool size 0 (env)", "weft.db.pool.size",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", url, "DATABASE_POOL_SIZE", "0"))),
                    invalid("negative overflow (builder)", "weft.db.pool.max-overflow",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("a").maxOverflow(-1)
                                    .build()),
                    invalid("negative overflow (env)", "weft.db.pool.max-overflow",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", url, "DATABASE_MAX_OVERFLOW", "-1"))),
                    invalid("pool size not a number", "DATABASE_POOL_SIZE",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", url, "DATABASE_POOL_SIZE", "ten"))),
                    invalid("pool timeout not a number", "DATABASE_POOL_TIMEOUT",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", url, "DATABASE_POOL_TIMEOUT", "soon"))),
                    invalid("pre-ping not a boolean", "DATABASE_POOL_PRE_PING",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", url, "DATABASE_POOL_PRE_PING", "maybe"))),
                    invalid("port not a number", "DATABASE_PORT",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_TYPE", "postgresql", "DATABASE_NAME", "a",
                                    "DATABASE_PORT", "54x32"))),
                    invalid("WEFT_DB_ pool size not a number", "WEFT_DB_POOL_SIZE",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", url, "WEFT_DB_POOL_SIZE", "ten"))),
                    invalid("unknown type (env)", "DATABASE_TYPE",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_TYPE", "oracle", "DATABASE_NAME", "a"))),
                    invalid("unknown type (url)", "DATABASE_URL",
                            () -> DatabaseConfig.fromUrl("oracle://u:" + PASSWORD + "@h/app")),
                    invalid("port 70000 (builder)", "weft.db.port",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("a").port(70000).build()),
                    invalid("port 70000 (env)", "weft.db.port",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_TYPE", "postgresql", "DATABASE_NAME", "a",
                                    "DATABASE_PORT", "70000"))),
                    invalid("port 70000 (url)", "weft.db.port",
                            () -> DatabaseConfig.fromUrl("postgresql://u:" + PASSWORD + "@h:70000/app").build()),
                    invalid("pool timeout 10ms (builder)", "weft.db.pool.timeout",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("a")
                                    .acquireTimeout(Duration.ofMillis(10)).build()),
                    invalid("pool timeout 10ms (env)", "weft.db.pool.timeout",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", url, "DATABASE_POOL_TIMEOUT", "0.01"))),
                    invalid("recycle 5s (pool config)", "weft.db.pool.recycle",
                            () -> PoolConfig.defaults().withRecycle(Duration.ofSeconds(5))),
                    invalid("recycle 5s (env)", "weft.db.pool.recycle",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", url, "DATABASE_POOL_RECYCLE", "5"))),
                    invalid("sqlite :memory: (builder)", "weft.db.name-or-path",
                            () -> DatabaseConfig.builder(DatabaseType.SQLITE).database(":memory:").build()),
                    invalid("sqlite :memory: (jdbc url)", "weft.db.name-or-path",
                            () -> DatabaseConfig.fromUrl("jdbc:sqlite::memory:").build()),
                    invalid("sqlite :memory: (sqlalchemy url)", "weft.db.name-or-path",
                            () -> DatabaseConfig.fromUrl("sqlite:///:memory:").build()),
                    invalid("sqlite :memory: (env)", "weft.db.name-or-path",
                            () -> DatabaseConfig.fromEnv(Map.of("DATABASE_TYPE", "sqlite", "DATABASE_NAME",
                                    ":memory:"))),
                    invalid("blank database name", "weft.db.name-or-path",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).build()),
                    invalid("blank host", "weft.db.host",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).host(" ").database("a").build()),
                    invalid("instance name with a space", "weft.db.name",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).name("my db").database("a")
                                    .build()),
                    invalid("connect timeout 10ms", "weft.db.connect-timeout",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("a")
                                    .connectTimeout(Duration.ofMillis(10)).build()),
                    invalid("negative statement timeout", "weft.db.statement-timeout",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("a")
                                    .statementTimeout(Duration.ofSeconds(-1)).build()),
                    invalid("a password among the driver properties", "weft.db.properties",
                            () -> DatabaseConfig.builder(DatabaseType.POSTGRESQL).database("a")
                                    .property("password", PASSWORD).build()));
        }

        private static Arguments invalid(String label, String setting, Supplier<?> build) {
            return Arguments.argumentSet(label, setting, build);
        }

        @ParameterizedTest
        @MethodSource("invalidSettings")
        void throwsInvalidConfigExceptionNamingTheSetting(String setting, Supplier<?> build) {
            InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class, build::get);

            assertThat(error).as("expected an InvalidConfigException").isNotNull();
            assertThat(error.setting()).contains(setting);
            assertThat(error.getMessage()).contains(error.setting());
            assertThat(error.getMessage()).doesNotContain(PASSWORD);
        }

        /**
         * {@code file::memory:} is SQLite's URI form of an in-memory database: like {@code :memory:} each pooled
         * connection would get its own empty database, which the config promises to refuse.
         */
        @Test
        void refusesSqlitesUriFormOfAnInMemoryDatabase() {
            InvalidConfigException error = catchThrowableOfType(InvalidConfigException.class,
                    () -> DatabaseConfig.fromUrl("jdbc:sqlite:file::memory:?cache=shared").build());

            assertThat(error).as("expected an InvalidConfigException").isNotNull();
            assertThat(error.setting()).contains("weft.db.name-or-path");
        }
    }

    @Nested
    class Secrecy {
        @Test
        void keepsThePasswordOutOfToString() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://app:" + PASSWORD + "@h/db").build();

            assertThat(config.toString()).doesNotContain(PASSWORD).contains("****").contains("app");
        }

        @Test
        void keepsThePasswordOutOfTheRedactedUrl() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://app:" + PASSWORD + "@h:5433/db").build();

            assertThat(config.redactedUrl()).isEqualTo("postgresql://app:****@h:5433/db");
        }

        @Test
        void keepsAPercentEncodedPasswordOutOfToStringInBothForms() {
            DatabaseConfig config = DatabaseConfig.fromUrl("postgresql://app:p%40ss%3Aword@h/db").build();

            assertThat(config.toString()).doesNotContain("p@ss:word").doesNotContain("p%40ss%3Aword");
            assertThat(config.redactedUrl()).doesNotContain("p@ss:word").doesNotContain("p%40ss");
        }

        @Test
        void keepsAQueryParameterPasswordOutOfToString() {
            DatabaseConfig config = DatabaseConfig
                    .fromUrl("jdbc:postgresql://h/db?user=app&password=" + PASSWORD + "&sslmode=require").build();

            assertThat(config.toString()).doesNotContain(PASSWORD);
            assertThat(config.redactedUrl()).doesNotContain(PASSWORD);
        }

        @Test
        void keepsAPasswordFromTheEnvironmentOutOfToString() {
            DatabaseConfig config = DatabaseConfig.fromEnv(Map.of("DATABASE_TYPE", "postgresql", "DATABASE_NAME",
                    "app", "DATABASE_USER", "app", "DATABASE_PASSWORD", PASSWORD));

            assertThat(config.toString()).doesNotContain(PASSWORD);
            assertThat(config.redactedUrl()).doesNotContain(PASSWORD);
        }

        @Test
        void keepsThePasswordOutOfTheBuiltSecretsToString() {
            DatabaseConfig config = DatabaseConfig.builder(DatabaseType.MARIADB).database("a").username("u")
                    .password(Secret.of(PASSWORD)).build();

            assertThat(config.password().toString()).isEqualTo("****");
            assertThat(config.toString()).doesNotContain(PASSWORD);
        }

        static Stream<Arguments> malformedUrlsWithPasswords() {
            return Stream.of(
                    Arguments.argumentSet("space in the password", "postgresql://admin:" + PASSWORD
                            + " x@db.example.com/app"),
                    Arguments.argumentSet("no host", "postgresql://admin:" + PASSWORD + "@/app"),
                    Arguments.argumentSet("no database", "postgresql://admin:" + PASSWORD + "@db.example.com/"),
                    Arguments.argumentSet("bad percent escape", "postgresql://admin:" + PASSWORD
                            + "%zz@db.example.com/app"),
                    Arguments.argumentSet("password query parameter and a space", "jdbc:postgresql://db host/app"
                            + "?user=admin&password=" + PASSWORD),
                    Arguments.argumentSet("port out of range", "postgresql://admin:" + PASSWORD
                            + "@db.example.com:70000/app"),
                    Arguments.argumentSet("unencoded slash in the password", "postgresql://admin:" + PASSWORD
                            + "/x@db.example.com/app"),
                    Arguments.argumentSet("unencoded hash in the password", "postgresql://admin:" + PASSWORD
                            + "#x@db.example.com/app"),
                    Arguments.argumentSet("unencoded question mark in the password", "postgresql://admin:"
                            + PASSWORD + "?x@db.example.com/app"));
        }

        @ParameterizedTest
        @MethodSource("malformedUrlsWithPasswords")
        void keepsThePasswordOutOfTheErrorForAMalformedUrl(String url) {
            Throwable error = catchThrowableOfType(InvalidConfigException.class,
                    () -> DatabaseConfig.fromUrl(url).build());

            assertThat(error).as("expected an InvalidConfigException").isNotNull();
            for (Throwable t = error; t != null; t = t.getCause()) {
                assertThat(t.getMessage()).as("message of %s", t.getClass().getName()).doesNotContain(PASSWORD);
                assertThat(t.toString()).doesNotContain(PASSWORD);
            }
        }

        @Test
        void keepsThePasswordOutOfTheErrorForAMalformedDatabaseUrlVariable() {
            assertThatThrownBy(() -> DatabaseConfig.fromEnv(Map.of("DATABASE_URL", "postgresql://admin:" + PASSWORD
                    + " x@db.example.com/app")))
                    .isInstanceOf(InvalidConfigException.class)
                    .hasMessageNotContaining(PASSWORD)
                    .hasMessageContaining("DATABASE_URL");
        }
    }
}
