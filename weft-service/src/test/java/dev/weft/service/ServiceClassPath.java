package dev.weft.service;

import java.io.File;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The class path for a child {@code weft serve} that logs as the real command does: this JVM's class path without
 * test classes, whose {@code logback-test.xml} would make {@link LogConfigurator} step aside. Under {@code mvn test}
 * other modules' test fixtures are {@code target/test-classes} directories; under {@code mvn verify} (the README's
 * test command) they are {@code *-tests.jar} files, and weft-http's and weft-cache-redis's carry a
 * {@code logback-test.xml} too. OpenTelemetry's test SDK goes as well: it registers a context storage through the
 * service loader, which the service's own class path does not have.
 */
public final class ServiceClassPath {
    private ServiceClassPath() {
    }

    /** @return this JVM's class path without test classes directories, test-jars and the OpenTelemetry test SDK */
    public static String withoutTestLogging() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("-tests.jar")
                        && !entry.contains("opentelemetry-sdk-testing"))
                .collect(Collectors.joining(File.pathSeparator));
    }
}
