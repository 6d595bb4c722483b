package dev.weft.service.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ProviderCommandTest {
    @Test
    void parsesDurationsWithUnits() {
        ProviderCommand.DurationConverter converter = new ProviderCommand.DurationConverter();

        assertThat(converter.convert("50ms")).isEqualTo(Duration.ofMillis(50));
        assertThat(converter.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(converter.convert("75")).isEqualTo(Duration.ofMillis(75));
        assertThatThrownBy(() -> converter.convert("soon")).isInstanceOf(CommandLine.TypeConversionException.class);
    }

    @Test
    void helpListsTheFaultFlags() {
        StringWriter out = new StringWriter();
        CommandLine line = new CommandLine(new ProviderCommand()).setOut(new PrintWriter(out));

        int code = line.execute("--help");

        assertThat(code).isZero();
        assertThat(out.toString()).contains("--fail-rate").contains("--reset-rate").contains("--latency")
                .contains("--rate-limit").contains("--seed").contains("--hostile-rate").contains("--outage-after")
                .contains("--outage-for");
    }

    @Test
    void anImpossibleRateFailsBeforeListening() {
        StringWriter err = new StringWriter();
        CommandLine line = new CommandLine(new ProviderCommand()).setErr(new PrintWriter(err));

        int code = line.execute("--port", "0", "--fail-rate", "0.8", "--reset-rate", "0.5");

        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("reset-rate");
    }
}
