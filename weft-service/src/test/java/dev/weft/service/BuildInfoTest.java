package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class BuildInfoTest {
    @Test
    void readsThePluginsProperties() {
        Properties properties = new Properties();
        properties.setProperty("git.build.version", "1.2.3");
        properties.setProperty("git.commit.id", "0123456789abcdef0123456789abcdef01234567");
        properties.setProperty("git.commit.id.abbrev", "0123456");
        properties.setProperty("git.dirty", "true");
        properties.setProperty("git.build.time", "2026-12-05T04:52:21Z");
        properties.setProperty("git.commit.time", "2026-12-05T06:47:13+02:00");

        BuildInfo info = BuildInfo.of(properties);

        assertThat(info.version()).isEqualTo("1.2.3");
        assertThat(info.commit()).isEqualTo("0123456789abcdef0123456789abcdef01234567");
        assertThat(info.commitShort()).isEqualTo("0123456");
        assertThat(info.dirty()).isTrue();
        assertThat(info.buildTime()).contains(Instant.parse("2026-12-05T04:52:21Z"));
        assertThat(info.commitTime()).contains(Instant.parse("2026-12-05T04:47:13Z"));
    }

    @Test
    void aBuildWithoutGitSaysUnknownAndNeverFails() {
        Properties properties = new Properties();
        properties.setProperty("git.build.version", "1.2.3");
        properties.setProperty("git.build.time", "not a time");

        BuildInfo info = BuildInfo.of(properties);

        assertThat(info.version()).isEqualTo("1.2.3");
        assertThat(info.commit()).isEqualTo(BuildInfo.UNKNOWN);
        assertThat(info.commitShort()).isEqualTo(BuildInfo.UNKNOWN);
        assertThat(info.dirty()).isFalse();
        assertThat(info.buildTime()).isEmpty();
        assertThat(info.commitTime()).isEmpty();
    }

    @Test
    void theBuildWroteTheResource() {
        BuildInfo current = BuildInfo.current();

        assertThat(current.version()).isNotEqualTo(BuildInfo.UNKNOWN);
        assertThat(current.buildTime()).isPresent();
    }
}
