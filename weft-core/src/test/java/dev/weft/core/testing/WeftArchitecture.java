package dev.weft.core.testing;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.domain.JavaTypeVariable;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.net.URL;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The module rules of STYLE.md §1, shared by every weft module and applied by one small test in each:
 *
 * <pre>{@code
 * class WeftArchitectureTest {
 *     @Test
 *     void followsTheWeftModuleRules() {
 *         WeftArchitecture.module(Database.class).check();
 *     }
 * }
 * }</pre>
 *
 * <ol>
 *   <li>No class uses another module's {@code internal} package ({@link #noOtherModulesInternals()}).</li>
 *   <li>No public signature of an API package (every {@code dev.weft} package but {@code ..internal..}) shows a
 *       type of the libraries weft is built on ({@link #THIRD_PARTY}), nor an {@code internal} type
 *       ({@link #apiExposesNoThirdPartyTypes()}, {@link #apiExposesNoInternalTypes()}).</li>
 *   <li>A class that implements one of its module's interfaces is package-private or lives in {@code internal}
 *       (or {@code spi}, for sibling modules) ({@link #implementationsAreHidden()}): callers hold the interface,
 *       so the engine can be rewritten.</li>
 * </ol>
 *
 * <p>Only the module's own main classes are checked: they are imported from the class path entry (directory or
 * jar) of the class handed to {@link #module(Class)}. A module is known by its root package; a new module adds
 * one line to {@link #MODULES}. Not thread-safe; build one per test.
 */
public final class WeftArchitecture {
    /** The root package of each weft module; a package belongs to the longest root it starts with. */
    public static final List<String> MODULES = List.of(
            "dev.weft.core",
            "dev.weft.cache",
            "dev.weft.cache.redis",
            "dev.weft.db",
            "dev.weft.http",
            "dev.weft.service",
            "dev.weft.bench",
            "dev.weft.faults");

    /**
     * Libraries whose types stay out of API signatures (STYLE.md §1: wrapped, so they can be swapped). Micrometer's
     * {@code MeterRegistry} is allowed as an input, so Micrometer is not listed.
     */
    public static final List<String> THIRD_PARTY = List.of(
            "io.helidon..",
            "com.fasterxml.jackson..",
            "com.zaxxer.hikari..",
            "io.lettuce..", "io.netty..", "reactor..",
            "org.apache.hc..",
            "io.github.resilience4j..",
            "io.github.bucket4j..",
            "com.github.benmanes.caffeine..",
            "com.netflix.concurrency.limits..",
            "org.HdrHistogram..",
            "org.postgresql..", "org.mariadb..", "com.mysql..", "org.sqlite..",
            "picocli..");

    private final JavaClasses classes;
    private final List<ArchRule> rules = new ArrayList<>();
    private final Set<String> knownViolations = new LinkedHashSet<>();

    private WeftArchitecture(JavaClasses classes) {
        this.classes = classes;
        rules.add(noOtherModulesInternals());
        rules.add(apiExposesNoThirdPartyTypes());
        rules.add(apiExposesNoInternalTypes());
        rules.add(implementationsAreHidden());
    }

    /**
     * @param anyMainClass a class of the module's main code: its class path entry is what gets checked
     * @return the shared rules over that module's classes
     */
    public static WeftArchitecture module(Class<?> anyMainClass) {
        URL location = anyMainClass.getProtectionDomain().getCodeSource().getLocation();
        JavaClasses classes = new ClassFileImporter().importUrl(location);
        if (classes.stream().noneMatch(type -> type.getName().equals(anyMainClass.getName()))) {
            throw new IllegalStateException("imported nothing of " + anyMainClass.getName() + " from " + location);
        }
        return new WeftArchitecture(classes);
    }

    /**
     * Leaves out the rules on API packages (signatures, public implementations), for an application module nobody
     * compiles against: its public types may show the framework it runs on.
     *
     * @param reason why, for the reader of the test
     * @return this
     */
    public WeftArchitecture application(String reason) {
        Objects.requireNonNull(reason, "reason");
        rules.removeIf(rule -> rule.getDescription().contains("public API"));
        return this;
    }

    /**
     * Tolerates violations already known, each named by a regular expression found in its message (e.g. the class
     * and the internal type it uses), while another change removes them. A known violation that no longer occurs
     * fails the check, so the list only shrinks.
     *
     * @param messagePatterns a regular expression found in each tolerated violation's message
     * @return this
     */
    public WeftArchitecture knownViolations(String... messagePatterns) {
        knownViolations.addAll(List.of(messagePatterns));
        return this;
    }

    /** @return the module's main classes */
    public JavaClasses classes() {
        return classes;
    }

    /**
     * Evaluates every rule.
     *
     * @throws AssertionError listing each violation not known, and each known violation no longer found
     */
    public void check() {
        List<String> failures = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (ArchRule rule : rules) {
            List<String> details = rule.evaluate(classes).getFailureReport().getDetails();
            List<String> unknown = new ArrayList<>();
            for (String detail : details) {
                Optional<String> known = knownViolations.stream()
                        .filter(pattern -> Pattern.compile(pattern).matcher(detail).find()).findFirst();
                known.ifPresentOrElse(seen::add, () -> unknown.add(detail));
            }
            if (!unknown.isEmpty()) {
                failures.add("Rule '" + rule.getDescription() + "' was violated (" + unknown.size() + " times):\n"
                        + String.join("\n", unknown));
            }
        }
        List<String> stale = knownViolations.stream().filter(known -> !seen.contains(known)).toList();
        if (!stale.isEmpty()) {
            failures.add("Known violations no longer found (remove them from the list): " + stale);
        }
        if (!failures.isEmpty()) {
            throw new AssertionError(String.join("\n\n", failures));
        }
    }

    // ---- the rules ---------------------------------------------------------------------------------------------

    /** @return no class depends on a class in another module's {@code internal} package */
    public static ArchRule noOtherModulesInternals() {
        return ArchRuleDefinition.classes().that(areWeftClasses())
                .should(new ArchCondition<>("use no other module's internal package") {
                    @Override
                    public void check(JavaClass type, ConditionEvents events) {
                        String module = moduleOf(type.getPackageName());
                        for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                            JavaClass target = dependency.getTargetClass();
                            String targetPackage = target.getPackageName();
                            if (isInternal(targetPackage) && !Objects.equals(module, moduleOf(targetPackage))) {
                                events.add(SimpleConditionEvent.violated(type, dependency.getDescription()));
                            }
                        }
                    }
                })
                .because("a module's internal package may change in any release (STYLE.md §1)");
    }

    /** @return no public signature of an API package shows a type of {@link #THIRD_PARTY} */
    public static ArchRule apiExposesNoThirdPartyTypes() {
        return apiExposesNoTypesFrom(THIRD_PARTY)
                .because("third-party types stay out of API signatures, so a library can be swapped (STYLE.md §1)");
    }

    /** @return no public signature of an API package shows an {@code internal} type */
    public static ArchRule apiExposesNoInternalTypes() {
        return apiExposesNoTypesFrom(List.of("dev.weft..internal.."))
                .because("internal packages may change in any release (STYLE.md §1)");
    }

    /**
     * @param packages ArchUnit package patterns, e.g. {@code "io.micrometer.."}
     * @return no public signature of an API package (supertypes; type, parameters, result, throws clause and type
     *     bounds of public and protected members) shows a type from {@code packages}
     */
    public static ArchRule apiExposesNoTypesFrom(List<String> packages) {
        return ArchRuleDefinition.classes().that(arePublicApi()).should(exposeNoTypesFrom(packages));
    }

    /**
     * @return no public class of an API package implements an interface of its own module, unless it is abstract,
     *     a record, an enum or an exception, or lives in an {@code spi} package (which holds what sibling modules
     *     build on, e.g. weft-cache's local tier that weft-cache-redis puts in front of Redis)
     */
    public static ArchRule implementationsAreHidden() {
        return ArchRuleDefinition.classes().that(arePublicApi())
                .and(DescribedPredicate.describe("are not in an spi package",
                        type -> !List.of(type.getPackageName().split("\\.")).contains("spi")))
                .should(new ArchCondition<>("not be a public implementation of the module's own interface") {
                    @Override
                    public void check(JavaClass type, ConditionEvents events) {
                        if (type.isInterface() || type.isEnum() || type.isRecord() || type.isAnnotation()
                                || type.getModifiers().contains(JavaModifier.ABSTRACT)
                                || type.isAssignableTo(Throwable.class)) {
                            return;
                        }
                        String module = moduleOf(type.getPackageName());
                        List<String> implemented = type.getAllRawInterfaces().stream()
                                .filter(iface -> Objects.equals(module, moduleOf(iface.getPackageName())))
                                .map(JavaClass::getName).sorted().toList();
                        if (!implemented.isEmpty()) {
                            events.add(SimpleConditionEvent.violated(type, type.getName() + " implements "
                                    + implemented + " and is public in an API package"));
                        }
                    }
                })
                .because("callers hold the interface; the implementation is package-private or in internal, so it"
                        + " can be rewritten (STYLE.md §1)");
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /**
     * @param packageName a package
     * @return the root package of the weft module it belongs to, or {@code null} outside weft
     */
    public static String moduleOf(String packageName) {
        return MODULES.stream()
                .filter(root -> packageName.equals(root) || packageName.startsWith(root + "."))
                .max(Comparator.comparingInt(String::length))
                .orElse(null);
    }

    private static boolean isInternal(String packageName) {
        return packageName.startsWith("dev.weft.")
                && List.of(packageName.split("\\.")).contains("internal");
    }

    private static DescribedPredicate<JavaClass> areWeftClasses() {
        return DescribedPredicate.describe("are weft classes", type -> moduleOf(type.getPackageName()) != null);
    }

    /** A class an application can name: public, nested only in public classes, in an API package. */
    private static DescribedPredicate<JavaClass> arePublicApi() {
        return DescribedPredicate.describe("are public API", type -> moduleOf(type.getPackageName()) != null
                && !isInternal(type.getPackageName()) && visible(type));
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
        DescribedPredicate<JavaClass> forbidden = JavaClass.Predicates.resideInAnyPackage(
                packages.toArray(String[]::new));
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
                Set<String> reported = new LinkedHashSet<>();
                for (Exposure exposure : exposures) {
                    for (JavaClass raw : exposure.type().getAllInvolvedRawTypes()) {
                        if (forbidden.test(raw)) {
                            reported.add(type.getName() + " exposes " + raw.getName() + " in its " + exposure.where());
                        }
                    }
                }
                reported.forEach(message -> events.add(SimpleConditionEvent.violated(type, message)));
            }
        };
    }

    private record Exposure(String where, JavaType type) {
    }
}
