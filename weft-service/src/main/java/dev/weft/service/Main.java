package dev.weft.service;

import dev.weft.service.cli.WeftCommand;

/** The {@code weft} command's entry point: {@code java -jar weft.jar serve}. */
public final class Main {
    private Main() {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        int code = WeftCommand.run(args);
        if (code != WeftCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }
}
