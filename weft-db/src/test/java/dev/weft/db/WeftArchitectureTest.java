package dev.weft.db;

import dev.weft.core.testing.WeftArchitecture;
import org.junit.jupiter.api.Test;

/** The module rules shared by every weft module (see {@link WeftArchitecture}) hold for weft-db. */
class WeftArchitectureTest {
    @Test
    void followsTheWeftModuleRules() {
        WeftArchitecture.module(Database.class).check();
    }
}
