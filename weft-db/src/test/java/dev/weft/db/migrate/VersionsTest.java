package dev.weft.db.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Version order: numbers group by group, a missing group as 0, the same answers as splitting the text. */
class VersionsTest {
    @Test
    void comparesGroupByGroupAsNumbers() {
        assertThat(Versions.compare("2", "10")).isNegative();
        assertThat(Versions.compare("20261123_120001", "20261123_120000")).isPositive();
        assertThat(Versions.compare("1.10", "1.9")).isPositive();
        assertThat(Versions.compare("1", "1_0")).isZero();
        assertThat(Versions.compare("1_0_0", "1")).isZero();
        assertThat(Versions.compare("007", "7")).isZero();
        assertThat(Versions.compare("999999999999999999", "999999999999999998")).isPositive();
    }

    @Test
    void answersWhatSplittingTheTextAnswersForAnyInput() {
        Random random = new Random(20261206);
        String alphabet = "0123456789._a-";
        List<String> samples = new ArrayList<>(List.of("", "1", "1_", "1__", "_1", "1..2", "1_2_", "a", "1_a",
                "1234567890123456789", "99999999999999999999", "12345678901234567890123"));
        for (int n = 0; n < 20_000; n++) {
            StringBuilder version = new StringBuilder();
            int length = random.nextInt(12);
            // mostly digits and separators, so most samples are versions and the odd ones are near them
            for (int k = 0; k < length; k++) {
                version.append(alphabet.charAt(random.nextInt(random.nextInt(20) == 0 ? alphabet.length() : 12)));
            }
            samples.add(version.toString());
        }
        for (int n = 0; n + 1 < samples.size(); n++) {
            String left = samples.get(n);
            String right = samples.get(random.nextInt(samples.size()));
            Integer expected = answer(left, right);
            if (expected == null) {
                assertThatThrownBy(() -> Versions.compare(left, right))
                        .as("'%s' vs '%s'", left, right).isInstanceOf(NumberFormatException.class);
            } else {
                assertThat(Integer.signum(Versions.compare(left, right))).as("%s vs %s", left, right)
                        .isEqualTo(expected);
            }
        }
    }

    private static Integer answer(String left, String right) {
        try {
            return Integer.signum(Versions.compareSplit(left, right));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
