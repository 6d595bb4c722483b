package dev.weft.service.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import dev.weft.core.Secret;
import dev.weft.service.ServiceConfig;
import dev.weft.service.ServiceContext;
import dev.weft.service.TestBackends;
import dev.weft.service.data.SettingsRepository;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Sealing signing secrets: round trip, tampering, the key kept in the settings table, a configured key. */
class SecretBoxTest {
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    private static ServiceContext open(TestBackends.Isolated database) {
        ServiceConfig config = ServiceConfig.defaults().withDataDir(database.dataDir())
                .withDatabase(database.config()).withAdminKey(Secret.of("k"));
        ServiceContext context = ServiceContext.open(config, Clock.systemUTC(), List.of(), false);
        context.migrations().migrate();
        return context;
    }

    private static WebhooksConfig withKey(String key) {
        WebhooksConfig base = WebhooksConfig.defaults();
        return new WebhooksConfig(false, List.of(), base.timeout(), base.maxResponseBytes(), Secret.of(key),
                base.retryFor(), base.disableAfter(), base.maxPerUser());
    }

    @ParameterizedTest
    @EnumSource(TestBackends.class)
    void twoBoxesOnOneDatabaseShareTheGeneratedKey(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            SettingsRepository settings = new SettingsRepository(context.database(), Clock.systemUTC());
            SecretBox first = SecretBox.open(WebhooksConfig.defaults(), settings);
            SecretBox second = SecretBox.open(WebhooksConfig.defaults(), settings);

            String sealed = first.seal("whsec_abc");

            assertThat(second.unseal(sealed)).isEqualTo("whsec_abc");
            assertThat(settings.get(SecretBox.KEY_SETTING)).hasValueSatisfying(
                    key -> assertThat(Base64.getDecoder().decode(key)).hasSize(32));
        }
    }

    @ParameterizedTest
    @EnumSource(value = TestBackends.class, names = "SQLITE")
    void aConfiguredKeyWinsOverTheStoredOne(TestBackends backend) {
        try (TestBackends.Isolated database = backend.isolate(); ServiceContext context = open(database)) {
            SettingsRepository settings = new SettingsRepository(context.database(), Clock.systemUTC());
            SecretBox generated = SecretBox.open(WebhooksConfig.defaults(), settings);
            SecretBox configured = SecretBox.open(withKey(KEY), settings);

            String sealed = configured.seal("whsec_abc");

            assertThat(SecretBox.open(withKey(KEY), settings).unseal(sealed)).isEqualTo("whsec_abc");
            assertThatThrownBy(() -> generated.unseal(sealed)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void sealsWithAFreshNonceAndOpensAgain() {
        SecretBox box = SecretBox.withKey(Secret.of(KEY));

        String first = box.seal("whsec_secret");
        String second = box.seal("whsec_secret");

        assertThat(first).startsWith("v1:").doesNotContain("whsec_secret").isNotEqualTo(second);
        assertThat(Base64.getDecoder().decode(first.substring(3))).hasSize(12 + "whsec_secret".length() + 16);
        assertThat(box.unseal(first)).isEqualTo("whsec_secret");
        assertThat(box.unseal(second)).isEqualTo("whsec_secret");
    }

    @Test
    void anAlteredSealDoesNotOpen() {
        SecretBox box = SecretBox.withKey(Secret.of(KEY));
        byte[] bytes = Base64.getDecoder().decode(box.seal("whsec_secret").substring(3));
        bytes[20] ^= 1;

        assertThatThrownBy(() -> box.unseal("v1:" + Base64.getEncoder().encodeToString(bytes)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("altered");
        assertThatThrownBy(() -> box.unseal("v2:xyz")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> box.unseal("v1:AAAA")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aKeyThatIsNot32BytesOfBase64FailsTheStartNamingTheVariable() {
        for (String bad : List.of("short", Base64.getEncoder().encodeToString(new byte[16]), "!!!")) {
            assertThatThrownBy(() -> withKey(bad)).isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("WEFT_WEBHOOKS_SECRET_KEY").hasMessageNotContaining(bad);
        }
    }
}
