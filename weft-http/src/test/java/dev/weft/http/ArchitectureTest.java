package dev.weft.http;

import static com.tngtech.archunit.base.DescribedPredicate.anyElementThat;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * weft-http's public API shows no type of the libraries it is built on (HttpClient 5, Resilience4j, Bucket4j,
 * Lettuce, Jackson, HdrHistogram), so any of them can be replaced without breaking callers. Micrometer's
 * {@code MeterRegistry} is an allowed input.
 */
class ArchitectureTest {
    private static final String[] LIBRARIES = {"org.apache.hc..", "io.github.resilience4j..", "io.github.bucket4j..",
        "io.lettuce..", "com.fasterxml..", "org.HdrHistogram.."};
    private static final JavaClasses API = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.weft.http");

    @Test
    void publicMethodsReturnNoLibraryTypes() {
        noMethods().that().arePublic().and().areDeclaredInClassesThat().arePublic()
                .should().haveRawReturnType(resideInAnyPackage(LIBRARIES))
                .check(API);
    }

    @Test
    void publicMethodsTakeNoLibraryTypes() {
        noMethods().that().arePublic().and().areDeclaredInClassesThat().arePublic()
                .should().haveRawParameterTypes(anyElementThat(resideInAnyPackage(LIBRARIES)))
                .check(API);
    }
}
