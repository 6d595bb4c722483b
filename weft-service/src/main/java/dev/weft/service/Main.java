package dev.weft.service;

import dev.weft.service.cli.WeftCommand;

/** The {@code weft} command's entry point: {@code java -jar weft.jar serve}. */
public final class Main {
    /**
     * MySQL Connector/J's switch for its abandoned-connection cleanup thread. The driver starts that thread when it is
     * loaded, which {@code DriverManager} does for every driver on the class path, so it ran (waking every few seconds)
     * even in a service on SQLite. weft's connections all come from its pool, which closes them, so the thread has
     * nothing to clean. A value set with {@code -D} in {@code JAVA_OPTS} wins.
     */
    static final String MYSQL_CLEANUP_OFF = "com.mysql.cj.disableAbandonedConnectionCleanup";

    private Main() {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        if (System.getProperty(MYSQL_CLEANUP_OFF) == null) {
            System.setProperty(MYSQL_CLEANUP_OFF, "true");
        }
        int code = WeftCommand.run(args);
        if (code != WeftCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }
}
