package dev.weft.cache;

import dev.weft.core.testing.WeftArchitecture;
import org.junit.jupiter.api.Test;

/** The module rules shared by every weft module (see {@link WeftArchitecture}) hold for weft-cache. */
class WeftArchitectureTest {
    @Test
    void followsTheWeftModuleRules() {
        WeftArchitecture.module(Cache.class).check();
    }
}
