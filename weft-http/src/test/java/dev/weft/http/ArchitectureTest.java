package dev.weft.http;

import static com.tngtech.archunit.base.DescribedPredicate.anyElementThat;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rules of STYLE §1 over the whole of weft-http: its public API shows no type of the libraries it is built on
 * (HttpClient 5, Resilience4j, Bucket4j, Lettuce, Jackson, HdrHistogram) in any public or protected signature, so
 * any of them can be replaced without breaking callers (Micrometer's {@code MeterRegistry} is an allowed input);
 * the implementation classes are package-private and final; and weft-http uses no other module's {@code internal}
 * package.
 */
class ArchitectureTest {
    private static final String[] LIBRARIES = {"org.apache.hc..", "io.github.resilience4j..", "io.github.bucket4j..",
        "io.lettuce..", "com.fasterxml..", "org.HdrHistogram.."};
    private static final JavaClasses MODULE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.weft.http");
    /** The public types of the API; every other top-level type is an implementation class. */
    private static final Set<String> API = Set.of("ApiClient", "ApiClientBuilder", "ApiConfig", "ApiConfigBuilder",
            "TimeoutConfig", "RetryConfig", "BreakerConfig", "RateLimitConfig", "PoolConfig", "TlsConfig",
            "AuthConfig", "ResponseCacheConfig", "ApiRequest", "ApiResponse", "ApiStream", "AsyncApiClient",
            "ApiMetrics", "BatchResult", "BreakerState", "BreakerStatus", "CircuitBreakerView", "DownloadResult",
            "HostPoolStatus", "HttpMethod", "Multipart", "ServerSentEvent", "ApiException", "ApiConnectException",
            "ApiTimeoutException", "BulkheadFullException", "CircuitOpenException", "DisallowedHostException",
            "RateLimitedException", "ResponseFormatException", "RetryBudgetExhaustedException", "UpstreamException",
            "AddressPolicy", "HostResolver", "DisallowedAddressException");
    private static final DescribedPredicate<JavaClass> API_TYPE = DescribedPredicate.describe("an API type",
            type -> API.contains(type.getSimpleName()));

    @Test
    void publicMethodsReturnNoLibraryTypes() {
        noMethods().that().arePublic().or().areProtected()
                .should().haveRawReturnType(resideInAnyPackage(LIBRARIES))
                .check(MODULE.that(isPublicType()));
    }

    @Test
    void publicMethodsTakeNoLibraryTypes() {
        noMethods().that().arePublic().or().areProtected()
                .should().haveRawParameterTypes(anyElementThat(resideInAnyPackage(LIBRARIES)))
                .check(MODULE.that(isPublicType()));
    }

    @Test
    void publicConstructorsAndFieldsShowNoLibraryTypes() {
        ArchRuleDefinition.noConstructors().that().arePublic().or().areProtected()
                .should().haveRawParameterTypes(anyElementThat(resideInAnyPackage(LIBRARIES)))
                .allowEmptyShould(true).check(MODULE.that(isPublicType()));
        noFields().that().arePublic().or().areProtected()
                .should().haveRawType(resideInAnyPackage(LIBRARIES))
                .allowEmptyShould(true).check(MODULE.that(isPublicType()));
    }

    @Test
    void onlyTheApiIsPublic() {
        classes().that().areTopLevelClasses().and(DescribedPredicate.not(API_TYPE))
                .should().notBePublic().andShould().notBeProtected()
                .check(MODULE);
    }

    @Test
    void implementationClassesAreFinal() {
        classes().that().areTopLevelClasses().and().areNotInterfaces().and().areNotEnums().and().areNotRecords()
                .and().areNotPublic().and().doNotHaveModifier(JavaModifier.ABSTRACT)
                .should().haveModifier(JavaModifier.FINAL)
                .check(MODULE);
    }

    @Test
    void usesNoOtherModulesInternals() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.weft.core.internal..",
                "dev.weft.cache.internal..", "dev.weft.db.internal..", "dev.weft.service..")
                .check(MODULE);
    }

    /**
     * The shared rate limit reaches Redis only through weft-core's {@code BucketStore} and weft-cache's
     * {@code SharedCaches} lookup, so weft-http has neither a Redis client nor a token-bucket library of its own.
     */
    @Test
    void holdsNoRedisClientAndNoBucketLibrary() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.lettuce..", "io.github.bucket4j..",
                "dev.weft.cache.redis..")
                .check(MODULE);
    }

    private static DescribedPredicate<JavaClass> isPublicType() {
        return DescribedPredicate.describe("public", type -> type.getModifiers().contains(JavaModifier.PUBLIC));
    }
}
