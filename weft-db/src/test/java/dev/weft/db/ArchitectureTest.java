package dev.weft.db;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasModifiers.Predicates.modifier;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.weft.core.testing.WeftArchitecture;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Layering rules of weft-db beyond the module rules every weft module shares ({@link WeftArchitectureTest}: no
 * other module's internals, no HikariCP, Resilience4j, pgjdbc or HdrHistogram type and no internal type in the
 * public API). Micrometer's {@code MeterRegistry} is part of the API on purpose.
 */
class ArchitectureTest {
    private static final String API = "dev.weft.db";
    private static final String INTERNAL = "dev.weft.db.internal..";

    private static final JavaClasses WEFT_DB = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(API);

    @Test
    void importsTheModulesClasses() {
        assertThat(WEFT_DB.contain(Database.class)).isTrue();
        assertThat(WEFT_DB.contain(dev.weft.db.internal.NamedSql.class)).isTrue();
        assertThat(WEFT_DB.stream().filter(c -> c.getPackageName().equals(API)).count()).isGreaterThan(20);
    }

    @Test
    void publicApiMayTakeAMeterRegistry() {
        // Guards the allowance: Micrometer is deliberately part of the API (WeftArchitecture.THIRD_PARTY omits it).
        ArchRule rule = WeftArchitecture.apiExposesNoTypesFrom(List.of("io.micrometer.."));

        assertThat(rule.evaluate(WEFT_DB).getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains("MeterRegistry"));
    }

    @Test
    void internalClassesDoNotDependOnPackagePrivateApiClasses() {
        ArchRule rule = noClasses().that().resideInAPackage(INTERNAL)
                .should().dependOnClassesThat(resideInAPackage(API).and(not(modifier(JavaModifier.PUBLIC))))
                .because("the implementation package sits below the API and sees only its public types");

        rule.check(WEFT_DB);
    }

    @Test
    void internalClassesDoNotDependOnTheEngine() {
        ArchRule rule = noClasses().that().resideInAPackage(INTERNAL)
                .should().dependOnClassesThat().haveNameMatching("dev\\.weft\\.db\\.(Engine|Session|PooledDatabase"
                        + "|JdbcTransaction|AsyncView)(\\$.*)?");

        rule.check(WEFT_DB);
    }
}
