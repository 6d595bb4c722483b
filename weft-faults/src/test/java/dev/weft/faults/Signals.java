package dev.weft.faults;

/** Unix signals by pid, through {@code kill}: the JDK can send only TERM and KILL. */
final class Signals {
    private Signals() {
    }

    /**
     * @param signal the signal name without {@code SIG}, e.g. {@code STOP}
     * @param pid the process
     */
    static void send(String signal, long pid) {
        Commands.run(10, "kill", "-s", signal, Long.toString(pid));
    }
}
