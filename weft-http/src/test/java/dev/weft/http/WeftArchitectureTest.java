package dev.weft.http;

import dev.weft.core.testing.WeftArchitecture;
import org.junit.jupiter.api.Test;

/** The module rules shared by every weft module (see {@link WeftArchitecture}) hold for weft-http. */
class WeftArchitectureTest {
    @Test
    void followsTheWeftModuleRules() {
        WeftArchitecture.module(ApiClient.class).check();
    }
}
