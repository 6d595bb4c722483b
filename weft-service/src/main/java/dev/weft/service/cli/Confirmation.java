package dev.weft.service.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Asks before a command destroys something: on a terminal it shows what will happen and asks
 * {@code Proceed? [y/N]}; without a terminal (a script, CI, a pipe) it refuses unless {@code --yes} was given, so a
 * command run unattended never destroys data by default. Answers piped into stdin are not read: a script says
 * {@code --yes}.
 *
 * <p>Not thread-safe.
 */
final class Confirmation {
    /** What the user decided. */
    enum Decision {
        /** Go ahead. */
        PROCEED,
        /** The user answered anything but yes. */
        DECLINED,
        /** No terminal to ask on, and no {@code --yes}. */
        NO_TERMINAL
    }

    private Confirmation() {
    }

    /**
     * Asks on the process's console, if it has one.
     *
     * @param plan what will happen, one or more lines
     * @param yes whether {@code --yes} was given
     * @return the decision
     */
    static Decision ask(String plan, boolean yes) {
        if (yes) {
            return Decision.PROCEED;
        }
        // JDK 22+: a Console exists only when stdin and stdout are a terminal; isTerminal() says so explicitly
        Console console = System.console();
        if (console == null || !console.isTerminal()) {
            return Decision.NO_TERMINAL;
        }
        return ask(plan, () -> console.readLine("Proceed? [y/N] "), console.writer());
    }

    /**
     * Shows {@code plan} and reads one answer.
     *
     * @param plan what will happen
     * @param answer reads the answer line after showing the question; null at end of input
     * @param out where the plan goes
     * @return {@link Decision#PROCEED} for {@code y} or {@code yes} (any case), else {@link Decision#DECLINED}
     */
    static Decision ask(String plan, Supplier<@Nullable String> answer, PrintWriter out) {
        out.println(plan);
        out.flush();
        String line = answer.get();
        String word = line == null ? "" : line.strip().toLowerCase(Locale.ROOT);
        return word.equals("y") || word.equals("yes") ? Decision.PROCEED : Decision.DECLINED;
    }
}
