package dev.weft.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.core.InvalidConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobsConfigTest {
    @Test
    void backoffIsWeftCoresFullJitterWhoseBoundDoublesPerFailureUpToTheCap() {
        JobsConfig config = JobsConfig.defaults().withRetries(10, Duration.ofMillis(100), Duration.ofMillis(500));
        java.util.Random random = new java.util.Random(7);

        assertThat(config.retryPolicy().maxAttempts()).isEqualTo(10);
        assertThat(config.retryPolicy().backoff().bound(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(config.retryPolicy().backoff().bound(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(config.retryPolicy().backoff().bound(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(config.retryPolicy().backoff().bound(4)).isEqualTo(Duration.ofMillis(500));
        assertThat(config.retryPolicy().backoff().bound(99)).isEqualTo(Duration.ofMillis(500));
        for (int failures = 1; failures < 6; failures++) {
            for (int i = 0; i < 50; i++) {
                assertThat(config.backoff(failures, random)).isBetween(Duration.ZERO,
                        config.retryPolicy().backoff().bound(failures));
            }
        }
    }

    @Test
    void readsTheEnvironmentAndNamesABadVariable() {
        JobsConfig config = JobsConfig.fromEnv(3, Map.of("WEFT_JOBS_LEASE_MS", "2000", "WEFT_JOBS_MAX_ATTEMPTS", "5"));

        assertThat(config.workers()).isEqualTo(3);
        assertThat(config.lease()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.maxAttempts()).isEqualTo(5);
        assertThatThrownBy(() -> JobsConfig.fromEnv(1, Map.of("WEFT_JOBS_POLL_MS", "soon")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("WEFT_JOBS_POLL_MS");
        // a _MS setting also takes a unit
        assertThat(JobsConfig.fromEnv(1, Map.of("WEFT_JOBS_LEASE_MS", "6s")).lease()).isEqualTo(Duration.ofSeconds(6));
        assertThat(JobsConfig.fromEnv(1, Map.of("WEFT_JOBS_DEADLINE_MS", "2h")).deadline())
                .isEqualTo(Duration.ofHours(2));
    }

    @Test
    void defaultsLetAKilledInstancesJobsMoveWithinSecondsAndGiveJobsAnHour() {
        JobsConfig config = JobsConfig.defaults();

        assertThat(config.lease()).isEqualTo(Duration.ofSeconds(6));
        assertThat(config.heartbeat()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.lease().plus(config.idlePoll())).isLessThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(config.deadline()).isEqualTo(Duration.ofHours(1));
        assertThat(config.workers()).isEqualTo(16);
    }

    @Test
    void readsTheJobDeadlineAndRefusesOneThatCannotWork() {
        assertThat(JobsConfig.fromEnv(1, Map.of("WEFT_JOBS_DEADLINE_MS", "600000")).deadline())
                .isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> JobsConfig.fromEnv(1, Map.of("WEFT_JOBS_DEADLINE_MS", "10")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("weft.jobs.deadline");
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertThatThrownBy(() -> JobsConfig.defaults().withWorkers(-1)).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> JobsConfig.defaults().withLease(Duration.ofMillis(10)))
                .isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> JobsConfig.defaults().withPolling(Duration.ofMinutes(5), Duration.ofSeconds(1)))
                .hasMessageContaining("weft.jobs.poll-interval (WEFT_JOBS_POLL_MS)")
                .hasMessageContaining("below weft.jobs.lease (WEFT_JOBS_LEASE_MS)");
        assertThatThrownBy(() -> JobsConfig.defaults().withRetries(0, Duration.ZERO, Duration.ZERO))
                .hasMessageContaining("max-attempts");
    }

    @Test
    void finalStatesMapToTheVideoStatusesOfTheApi() {
        assertThat(JobState.UPLOADED.videoStatus()).isEqualTo("uploading");
        assertThat(JobState.POLLING.videoStatus()).isEqualTo("processing");
        assertThat(JobState.active()).doesNotContain(JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED);
        assertThat(JobState.parse("polling")).isEqualTo(JobState.POLLING);
    }
}
