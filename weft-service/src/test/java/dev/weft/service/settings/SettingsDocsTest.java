package dev.weft.service.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code docs/CONFIGURATION.md} is what the registry generates; {@code -Dweft.settings.write=true} writes it. */
class SettingsDocsTest {
    @Test
    void committedReferenceIsWhatTheRegistryGenerates() throws IOException {
        Path file = Repository.root().resolve(SettingsDocs.FILE);
        String generated = SettingsDocs.markdown();
        if (Boolean.getBoolean("weft.settings.write")) {
            Files.writeString(file, generated, StandardCharsets.UTF_8);
        }

        String committed = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";

        assertThat(committed)
                .as("%s differs from the settings registry; regenerate it with%n  %s", SettingsDocs.FILE,
                        SettingsDocs.REGENERATE)
                .isEqualTo(generated);
    }

    @Test
    void everySettingHasAMeaningAndOneName() {
        for (Setting setting : Settings.all()) {
            assertThat(setting.meaning()).as(setting.key()).isNotBlank();
            assertThat(Settings.all().stream().filter(other -> other.key().equals(setting.key()))).as(setting.key())
                    .hasSize(1);
            for (String variable : setting.variables()) {
                assertThat(Settings.byVariable(variable)).as(variable).contains(setting);
            }
        }
    }
}
