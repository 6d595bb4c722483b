package dev.weft.service.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether stderr is a terminal, which the JDK does not say directly. Thread-safe. */
final class Terminals {
    private static final Path STDERR = Path.of("/proc/self/fd/2");

    private Terminals() {
    }

    /**
     * Redrawing a progress bar only makes sense on a terminal; {@code weft users import users.csv > keys.csv}
     * sends stdout to a file while stderr stays on the terminal, and {@link System#console()} is null then (it needs
     * stdin and stdout to be one). On Linux {@code /proc} says where stderr goes; elsewhere the console decides.
     *
     * @return whether stderr is a terminal
     */
    static boolean stderrIsTerminal() {
        if (Files.exists(STDERR, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(STDERR).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        Console console = System.console();
        return console != null && console.isTerminal();
    }
}
