package dev.weft.service;

import dev.weft.core.testing.WeftArchitecture;
import org.junit.jupiter.api.Test;

/** The module rules shared by every weft module (see {@link WeftArchitecture}) hold for weft-service. */
class WeftArchitectureTest {
    @Test
    void followsTheWeftModuleRules() {
        WeftArchitecture.module(Main.class)
                .application("weft-service is the application, not a library: nobody compiles against it, and its"
                        + " edge is built on Helidon and Jackson on purpose")
                .check();
    }
}
