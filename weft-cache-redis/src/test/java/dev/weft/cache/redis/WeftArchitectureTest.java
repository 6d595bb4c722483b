package dev.weft.cache.redis;

import dev.weft.core.testing.WeftArchitecture;
import org.junit.jupiter.api.Test;

/** The module rules shared by every weft module (see {@link WeftArchitecture}) hold for weft-cache-redis. */
class WeftArchitectureTest {
    @Test
    void followsTheWeftModuleRules() {
        WeftArchitecture.module(RedisCaches.class).check();
    }
}
