package dev.weft.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.db.DatabaseException;
import dev.weft.db.DatabaseType;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JdbcDriversTest {

    @ParameterizedTest
    @EnumSource(DatabaseType.class)
    void namesTheMavenArtifactWhenTheDriverIsNotOnTheClasspath(DatabaseType type) throws Exception {
        try (URLClassLoader withoutDrivers = new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader())) {

            DatabaseException error = JdbcDrivers.missing(type, "primary", withoutDrivers).orElseThrow();

            assertThat(error.code()).isEqualTo("jdbc_driver_missing");
            assertThat(error.getMessage()).contains("database 'primary'").contains(JdbcDrivers.artifact(type))
                    .contains(JdbcDrivers.driverClass(type));
        }
    }

    @ParameterizedTest
    @EnumSource(DatabaseType.class)
    void findsEveryDriverWeftDbIsTestedWith(DatabaseType type) {
        assertThat(JdbcDrivers.missing(type, "primary", null, JdbcDriversTest.class.getClassLoader())).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(DatabaseType.class)
    void namesTheArtifactsOfTheDocumentedDrivers(DatabaseType type) {
        String expected = switch (type) {
            case POSTGRESQL -> "org.postgresql:postgresql";
            case MARIADB -> "org.mariadb.jdbc:mariadb-java-client";
            case MYSQL -> "com.mysql:mysql-connector-j";
            case SQLITE -> "org.xerial:sqlite-jdbc";
        };

        assertThat(JdbcDrivers.artifact(type)).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(DatabaseType.class)
    void everyDriversOwnClassesSpeakForTheConnection(DatabaseType type) {
        // the driver class itself lives in the package whose frames evict a connection
        assertThat(JdbcDrivers.isDriverOrPool(JdbcDrivers.driverClass(type))).isTrue();
    }

    @Test
    void thePoolDoesTooButNeitherTheJdkNorWeftNorACallerDo() {
        assertThat(JdbcDrivers.isDriverOrPool("com.zaxxer.hikari.pool.ProxyConnection")).isTrue();
        assertThat(JdbcDrivers.isDriverOrPool("java.sql.DriverManager")).isFalse();
        assertThat(JdbcDrivers.isDriverOrPool("dev.weft.db.RowMapper")).isFalse();
        assertThat(JdbcDrivers.isDriverOrPool("org.postgresqlx.Other")).isFalse();
    }
}
