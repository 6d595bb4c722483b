package dev.weft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InstanceNameTest {

    @Test
    void acceptsTheNamesComponentsUse() {
        assertThat(InstanceName.check("weft.db.name", "primary")).isEqualTo("primary");
        assertThat(InstanceName.isValid("payments-api")).isTrue();
        assertThat(InstanceName.isValid("user_profiles2")).isTrue();
    }

    @Test
    void refusesNamesThatAreUnsafeInKeysTagsOrEnvironmentVariables() {
        for (String bad : new String[] {"", "Primary", "1st", "a.b", "a b", "a:b", "x".repeat(65)}) {
            assertThat(InstanceName.isValid(bad)).as(bad).isFalse();
        }
        assertThatThrownBy(() -> InstanceName.check("weft.cache.name", "a:b"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.cache.name");
    }
}
