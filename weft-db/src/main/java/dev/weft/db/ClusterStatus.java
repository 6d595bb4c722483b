package dev.weft.db;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a {@link DatabaseCluster}: which member serves new work, how each member fared in its last
 * health probe, and how often the cluster switched. Immutable and thread-safe.
 *
 * @param name the cluster's name
 * @param current the name of the member that new work goes to; empty while no member is healthy (calls then
 *     fail fast with {@link DatabaseUnavailableException})
 * @param switches how many times new work moved from one member to a different one since start
 * @param outages how many times the cluster was left with no healthy member since start
 * @param failBack whether the cluster returns to an earlier member (the primary first) once it is healthy again
 * @param members every member in failover order, the primary first
 */
public record ClusterStatus(String name, Optional<String> current, long switches, long outages, boolean failBack,
        List<Member> members) {

    /** Copies the member list. */
    public ClusterStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(current, "current");
        members = List.copyOf(members);
    }

    /** @return whether some member is serving work now */
    public boolean available() {
        return current.isPresent();
    }

    /**
     * @param memberName a member's name
     * @return that member's status, if the cluster has such a member
     */
    public Optional<Member> member(String memberName) {
        return members.stream().filter(member -> member.name().equals(memberName)).findFirst();
    }

    /** The configured role of a member. */
    public enum Role {
        /** The member preferred whenever it is healthy (with fail-back on). */
        PRIMARY,
        /** A member used, in the configured order, while the ones before it are unhealthy. */
        FAILOVER
    }

    /**
     * One member's state.
     *
     * @param name the member's {@link Database#name()}
     * @param role its configured role
     * @param healthy whether the health checker considers it usable now
     * @param current whether new work goes to it now
     * @param lastLatency how long its last probe took (the probe timeout if it did not answer); {@link Duration#ZERO}
     *     before the first probe
     * @param lastError the code of its last failed probe ({@code database_unavailable}, {@code timeout},
     *     {@code read_only}, ...); empty if the last probe succeeded
     * @param lastCheck when it was last probed; empty before the first probe
     * @param consecutiveFailures failed probes since its last successful one
     */
    public record Member(String name, Role role, boolean healthy, boolean current, Duration lastLatency,
            Optional<String> lastError, Optional<Instant> lastCheck, int consecutiveFailures) {
        /** Checks for nulls. */
        public Member {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(lastLatency, "lastLatency");
            Objects.requireNonNull(lastError, "lastError");
            Objects.requireNonNull(lastCheck, "lastCheck");
        }
    }
}
