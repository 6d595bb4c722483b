package dev.weft.service.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.settings.Setting;
import dev.weft.service.settings.SettingGroup;
import dev.weft.service.settings.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code weft serve --help} lists the settings registry, and serve's flags are the ones the registry names. */
class ServeHelpTest {
    private static CommandLine serve() {
        return new CommandLine(new WeftCommand()).getSubcommands().get("serve");
    }

    @Test
    void helpListsEverySettingWithItsDefault() {
        StringWriter out = new StringWriter();
        CommandLine weft = new CommandLine(new WeftCommand());
        weft.setOut(new PrintWriter(out));

        int code = weft.execute("serve", "--help");

        String help = out.toString();
        assertThat(code).isZero();
        for (Setting setting : Settings.all()) {
            if (setting.group().helpSummary() != null) {
                assertThat(help).contains(setting.group().helpSummary());
            } else {
                assertThat(help).as(setting.key()).contains(setting.name())
                        .contains(setting.defaultValue().replace("`", ""));
            }
        }
        assertThat(help).contains("docs/CONFIGURATION.md");
    }

    @Test
    void serveFlagsAreExactlyTheRegistryFlags() {
        Set<String> flags = serve().getCommandSpec().options().stream()
                .map(CommandLine.Model.OptionSpec::longestName)
                .filter(name -> !name.equals("--help") && !name.equals("--version"))
                .collect(Collectors.toCollection(TreeSet::new));

        Set<String> registry = Settings.all().stream().map(Setting::flag).filter(Objects::nonNull)
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(flags).isEqualTo(registry);
    }

    @Test
    void eachFlagsDescriptionNamesItsVariableAndDefault() {
        for (Setting setting : Settings.all()) {
            if (setting.flag() == null || setting.group() != SettingGroup.SERVER) {
                continue;
            }
            String description = String.join(" ",
                    serve().getCommandSpec().findOption(setting.flag()).description());

            assertThat(description).as(setting.flag()).contains(setting.name())
                    .contains("default " + setting.defaultValue());
        }
    }

    @Test
    void bareFlagsStillWork() {
        CommandLine.ParseResult parsed = new CommandLine(new WeftCommand())
                .parseArgs("serve", "--port", "0", "--bind", "127.0.0.1", "--workers", "2", "--data-dir", "x");

        assertThat(parsed.subcommand().matchedOptions()).hasSize(4);
    }
}
