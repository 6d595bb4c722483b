package dev.weft.service.cli;

import dev.weft.db.migrate.MigrationState;
import dev.weft.db.migrate.MigrationStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What {@code migrate rollback} and a downward {@code migrate to} will undo, shown before they run, and the
 * question asked about it ({@link Confirmation}). Thread-safe (stateless).
 */
final class RollbackPlan {
    private RollbackPlan() {
    }

    /**
     * @param statuses every migration, ordered by version (as {@code MigrationRunner.status()} returns them)
     * @param steps how many to roll back
     * @return the {@code steps} newest applied migrations, newest first
     */
    static List<MigrationStatus> newest(List<MigrationStatus> statuses, int steps) {
        List<MigrationStatus> applied = new ArrayList<>(statuses.stream()
                .filter(status -> status.state() == MigrationState.APPLIED).toList());
        Collections.reverse(applied);
        return List.copyOf(applied.subList(0, Math.max(0, Math.min(steps, applied.size()))));
    }

    /**
     * @param statuses every migration, ordered by version
     * @param target the version to move to
     * @return the applied migrations after {@code target}, newest first; empty if the target is unknown (the runner
     *     then reports that) or nothing is above it
     */
    static List<MigrationStatus> above(List<MigrationStatus> statuses, String target) {
        int at = -1;
        for (int i = 0; i < statuses.size(); i++) {
            if (statuses.get(i).version().equals(target)) {
                at = i;
            }
        }
        if (at < 0) {
            return List.of();
        }
        List<MigrationStatus> above = new ArrayList<>(statuses.subList(at + 1, statuses.size()).stream()
                .filter(status -> status.state() == MigrationState.APPLIED).toList());
        Collections.reverse(above);
        return List.copyOf(above);
    }

    /**
     * Shows the plan and asks, unless there is nothing to undo or {@code yes} was given.
     *
     * @param command the command, for the messages
     * @param doomed what will be rolled back, newest first
     * @param yes whether {@code --yes} was given
     * @return 0 to go ahead, else the exit code to stop with (the reason already printed on stderr)
     */
    static int confirm(String command, List<MigrationStatus> doomed, boolean yes) {
        if (doomed.isEmpty()) {
            return 0;
        }
        return switch (Confirmation.ask(describe(doomed), yes)) {
            case PROCEED -> 0;
            case DECLINED -> {
                System.err.println("weft: nothing rolled back");
                yield WeftCommand.FAILED;
            }
            case NO_TERMINAL -> {
                System.err.println("weft: " + command + " would roll back " + names(doomed) + " and drop what "
                        + (doomed.size() == 1 ? "it" : "they") + " created; nothing was changed. Run it on a terminal"
                        + " to confirm, or add --yes.");
                yield WeftCommand.USAGE;
            }
        };
    }

    static String describe(List<MigrationStatus> doomed) {
        StringBuilder text = new StringBuilder("This rolls back (runs the down SQL of), newest first:");
        for (MigrationStatus status : doomed) {
            text.append(System.lineSeparator()).append("  ").append(status.version()).append(' ')
                    .append(status.name());
        }
        // an instance remembers its schema as current for a minute (CurrentSchemaMemo): until then it stays ready and
        // its requests fail on what was dropped
        return text.append(System.lineSeparator()).append("Tables and data they created are dropped. Instances still"
                + " serving this database need them: stop them, or deploy the release that matches what is left, first"
                + " (each notices the schema behind it within a minute and answers not ready).").toString();
    }

    private static String names(List<MigrationStatus> doomed) {
        return doomed.size() == 1 ? "migration " + doomed.getFirst().version() + " " + doomed.getFirst().name()
                : doomed.size() + " migrations (" + String.join(", ", doomed.stream().map(MigrationStatus::version)
                        .toList()) + ")";
    }
}
