package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The keys and tags a request builds for a presented key are the ones an invalidation by the stored hash names. */
class CacheKeysTest {
    private final CacheKeys keys = new CacheKeys(() -> "0123456789ab");

    @Test
    void thePrincipalsTagFromAHashIsTheTagItsInvalidationDrops() {
        for (int first = 0; first < 1 << 12; first++) {
            byte[] hash = new byte[32];
            hash[0] = (byte) (first >>> 4);
            hash[1] = (byte) (first << 4 | 0x0f);
            hash[2] = (byte) 0xa5;
            String hex = HexFormat.of().formatHex(hash);

            assertThat(keys.apiKeyTags(hash)).isEqualTo(Set.of(keys.apiKeyTag(hex)));
            assertThat(keys.apiKeyTags(hash)).as("made once").isSameAs(keys.apiKeyTags(hash));
        }
    }

    @Test
    void thePrincipalsKeyFromAHashPrefixIsTheKeyOfTheWholeHash() {
        String hex = ApiKeys.sha256("wk_example");

        assertThat(keys.apiKeyOfPrefix(hex.substring(0, 32))).isEqualTo(keys.apiKey(hex))
                .isEqualTo("k:0123456789ab:" + hex.substring(0, 32));
        assertThat(keys.profile(42)).isEqualTo("profile:0123456789ab:42");
    }

    @Test
    void aPresentedKeysBucketIsNamedByItsHashPrefixOnly() {
        ApiKeys.PresentedKey key = ApiKeys.present("wk_example").orElseThrow();

        assertThat(key.bucket()).isEqualTo("key:" + ApiKeys.sha256("wk_example").substring(0, 32));
        assertThat(key.hex()).isEqualTo(ApiKeys.sha256("wk_example"));
        assertThat(key.userKey()).isTrue();
    }
}
