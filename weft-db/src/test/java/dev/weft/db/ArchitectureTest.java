package dev.weft.db;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasModifiers.Predicates.modifier;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.domain.JavaTypeVariable;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.weft.db.internal.ConnectionPool;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
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
        // Guards the allowance above: Micrometer is deliberately part of the API.
        ArchRule rule = classes().that().resideInAPackage(API).and(isPublicApi())
                .should(exposeNoTypesFrom(List.of("io.micrometer..")));

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

    /** A class an application can name: public, and nested only in public classes. */
    private static DescribedPredicate<JavaClass> isPublicApi() {
        return DescribedPredicate.describe("are public API", ArchitectureTest::visible);
    }

    private static boolean visible(JavaClass type) {
        for (Optional<JavaClass> c = Optional.of(type); c.isPresent(); c = c.get().getEnclosingClass()) {
            if (!c.get().getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
        }
        return !type.isAnonymousClass() && !type.isLocalClass();
    }

    private static boolean visible(JavaMember member) {
        return member.getModifiers().contains(JavaModifier.PUBLIC)
                || member.getModifiers().contains(JavaModifier.PROTECTED)
                        && !member.getOwner().getModifiers().contains(JavaModifier.FINAL);
    }

    /**
     * Checks every type a caller sees: supertypes, and the types (with their type arguments and bounds) of each
     * public or protected field, constructor and method: return, parameters, throws clause, type parameters.
     */
    private static ArchCondition<JavaClass> exposeNoTypesFrom(List<String> packages) {
        DescribedPredicate<JavaClass> forbidden = resideInAnyPackage(packages);
        return new ArchCondition<>("expose no types from " + packages + " in public signatures") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                List<Exposure> exposures = new ArrayList<>();
                type.getSuperclass().ifPresent(superclass -> exposures.add(new Exposure("superclass", superclass)));
                type.getInterfaces().forEach(iface -> exposures.add(new Exposure("interface", iface)));
                for (JavaField field : type.getFields()) {
                    if (visible(field)) {
                        exposures.add(new Exposure("field " + field.getName(), field.getType()));
                    }
                }
                for (JavaCodeUnit unit : type.getCodeUnits()) {
                    if (!visible(unit)) {
                        continue;
                    }
                    String where = unit.getFullName();
                    exposures.add(new Exposure("return type of " + where, unit.getReturnType()));
                    unit.getParameterTypes().forEach(p -> exposures.add(new Exposure("parameter of " + where, p)));
                    unit.getThrowsClause().getTypes()
                            .forEach(t -> exposures.add(new Exposure("throws clause of " + where, t)));
                    for (JavaTypeVariable<?> variable : unit.getTypeParameters()) {
                        variable.getUpperBounds()
                                .forEach(b -> exposures.add(new Exposure("type parameter of " + where, b)));
                    }
                }
                for (JavaTypeVariable<?> variable : type.getTypeParameters()) {
                    variable.getUpperBounds().forEach(b -> exposures.add(new Exposure("type parameter", b)));
                }
                for (Exposure exposure : exposures) {
                    for (JavaClass raw : involved(exposure.type())) {
                        if (forbidden.test(raw)) {
                            events.add(SimpleConditionEvent.violated(type, type.getName() + " exposes "
                                    + raw.getName() + " in its " + exposure.where()));
                        }
                    }
                }
            }
        };
    }

    private static Collection<JavaClass> involved(JavaType type) {
        return type.getAllInvolvedRawTypes();
    }

    private static DescribedPredicate<JavaClass> resideInAnyPackage(List<String> packages) {
        return JavaClass.Predicates.resideInAnyPackage(packages.toArray(String[]::new));
    }

    private record Exposure(String where, JavaType type) {
    }
}
