package dev.weft.db.internal;

import dev.weft.core.ErrorKind;
import dev.weft.db.DatabaseException;
import dev.weft.db.DatabaseType;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The JDBC driver each database type needs, and the check that it is on the classpath before the pool opens.
 * weft-db declares every driver optional, so an application adds the ones it uses; without this check a missing
 * one surfaces as HikariCP's {@code Failed to get driver instance for jdbcUrl=...}, which names no artifact.
 */
public final class JdbcDrivers {
    /** HikariCP's package: its frames, like a driver's, speak for the connection. */
    private static final String POOL_PACKAGE = "com.zaxxer.hikari.";

    private JdbcDrivers() {
    }

    /**
     * Whether a class is part of a JDBC driver weft-db knows or of the pool, so that an exception it threw says
     * something about the connection (see {@code ConnectionLease}).
     *
     * @param className a fully qualified class name, e.g. a stack frame's
     * @return true for the drivers' and HikariCP's classes
     */
    public static boolean isDriverOrPool(String className) {
        if (className.startsWith(POOL_PACKAGE)) {
            return true;
        }
        for (DatabaseType type : DatabaseType.values()) {
            if (className.startsWith(codePackage(type))) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param type a database type
     * @return the package prefix of its driver's code, dot included
     */
    static String codePackage(DatabaseType type) {
        return switch (type) {
            case POSTGRESQL -> "org.postgresql.";
            case MARIADB -> "org.mariadb.";
            case MYSQL -> "com.mysql.";
            case SQLITE -> "org.sqlite.";
        };
    }

    /**
     * @param type a database type
     * @return the driver's class name
     */
    static String driverClass(DatabaseType type) {
        return switch (type) {
            case POSTGRESQL -> "org.postgresql.Driver";
            case MARIADB -> "org.mariadb.jdbc.Driver";
            case MYSQL -> "com.mysql.cj.jdbc.Driver";
            case SQLITE -> "org.sqlite.JDBC";
        };
    }

    /**
     * @param type a database type
     * @return the Maven coordinates ({@code groupId:artifactId}) of its driver
     */
    static String artifact(DatabaseType type) {
        return switch (type) {
            case POSTGRESQL -> "org.postgresql:postgresql";
            case MARIADB -> "org.mariadb.jdbc:mariadb-java-client";
            case MYSQL -> "com.mysql:mysql-connector-j";
            case SQLITE -> "org.xerial:sqlite-jdbc";
        };
    }

    /**
     * Checks that the driver is visible to weft-db's class loader or the thread's context class loader (the two
     * HikariCP and {@link java.sql.DriverManager} look in).
     *
     * @param type the database type
     * @param database the database's name, for the message
     * @throws DatabaseException ({@code jdbc_driver_missing}) naming the artifact to add
     */
    static void require(DatabaseType type, String database) {
        missing(type, database, JdbcDrivers.class.getClassLoader(), Thread.currentThread().getContextClassLoader())
                .ifPresent(error -> {
                    throw error;
                });
    }

    /**
     * @param loaders where to look; {@code null} ones are skipped
     * @return the error to throw if no loader sees the driver
     */
    static Optional<DatabaseException> missing(DatabaseType type, String database,
            @Nullable ClassLoader... loaders) {
        String driver = driverClass(type);
        for (ClassLoader loader : loaders) {
            if (loader == null) {
                continue;
            }
            try {
                Class.forName(driver, false, loader);
                return Optional.empty();
            } catch (ClassNotFoundException | LinkageError e) {
                // not visible to this loader; try the next
            }
        }
        String name = type.name().toLowerCase(java.util.Locale.ROOT);
        return Optional.of(new DatabaseException(ErrorKind.INTERNAL, "jdbc_driver_missing",
                "database '" + database + "': the " + name + " JDBC driver (" + driver + ") is not on the classpath; "
                        + "add the dependency " + artifact(type) + " to the application", null, false, null));
    }
}
