package dev.weft.db;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasModifiers.Predicates.modifier;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.weft.db.internal.ConnectionPool;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Layering rules of weft-db's own stages. The rules every module shares (no third-party or internal type in the
 * public API, no other module's internal package) are in {@code WeftArchitectureTest}; Micrometer's
 * {@code MeterRegistry} is part of the API on purpose, which the test below guards.
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
        // Micrometer is deliberately part of the API (the shared rules allow it): an application hands weft-db its
        // registry. The shared rules check that nothing else third-party is exposed.
        boolean taken = WEFT_DB.stream()
                .filter(type -> type.getPackageName().equals(API) && type.getModifiers().contains(JavaModifier.PUBLIC))
                .flatMap(type -> type.getCodeUnits().stream())
                .filter(unit -> unit.getModifiers().contains(JavaModifier.PUBLIC))
                .anyMatch(unit -> unit.getRawParameterTypes().stream()
                        .anyMatch(parameter -> parameter.getName().equals("io.micrometer.core.instrument.MeterRegistry")));

        assertThat(taken).isTrue();
    }

    @Test
    void internalClassesDoNotDependOnPackagePrivateApiClasses() {
        ArchRule rule = noClasses().that().resideInAPackage(INTERNAL)
                .should().dependOnClassesThat(resideInAPackage(API).and(not(modifier(JavaModifier.PUBLIC))))
                .because("the implementation package sits below the API and sees only its public types");

        rule.check(WEFT_DB);
    }

    @Test
    void internalClassesDoNotDependOnTheStages() {
        ArchRule rule = noClasses().that().resideInAPackage(INTERNAL)
                .should().dependOnClassesThat().haveNameMatching("dev\\.weft\\.db\\.(DatabaseStages|Session"
                        + "|PooledDatabase|JdbcTransaction|AsyncView|Connections|ConnectionLease|StatementRunner"
                        + "|TransactionRunner|TableWrites|BatchWrites|QueryCacheBinding)(\\$.*)?");

        rule.check(WEFT_DB);
    }

    @Test
    void onlyTheConnectionLeaseAcquiresReleasesOrEvictsPooledConnections() {
        ArchRule rule = noClasses().that().doNotHaveFullyQualifiedName(ConnectionLease.class.getName())
                .and().doNotHaveFullyQualifiedName(ConnectionPool.class.getName())
                .should().callMethodWhere(DescribedPredicate.describe("ConnectionPool.acquire/release/evict",
                        call -> call.getTargetOwner().isEquivalentTo(ConnectionPool.class)
                                && List.of("acquire", "release", "evict").contains(call.getName())))
                .because("a connection is leased in one place: writer turn, acquire, release or evict, retry");

        rule.check(WEFT_DB);
    }

    @Test
    void buildersCallARunnerNotTheConnections() {
        ArchRule rule = noClasses().that().haveSimpleName("Query").or().haveSimpleName("Write")
                .or().haveSimpleName("Batch").or().haveSimpleName("BulkInsert")
                .or().haveSimpleName("EmulatedReturning")
                .should().callMethodWhere(DescribedPredicate.describe("a method of Connections or Session",
                        call -> call.getTargetOwner().isEquivalentTo(Connections.class)
                                || call.getTargetOwner().isEquivalentTo(Session.class)))
                .because("the builders hand their connections to a runner; only runners use them");

        rule.check(WEFT_DB);
    }
}
