package dev.weft.service.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * How much the tools log. The tools ({@code migrate}, {@code users import}, {@code health}) print their results for
 * a human on stdout, so their logs stay at WARN and above unless {@code --verbose} or {@code WEFT_LOG_LEVEL} asks
 * for more; the servers ({@code serve}, {@code provider}) log as configured.
 *
 * <p>A picocli mixin for the option, and the code that applies it around one command. Not thread-safe.
 */
final class Verbosity {
    /** The option's long name, as picocli matches it. */
    static final String OPTION = "--verbose";

    @Option(names = {"-v", OPTION}, description = "Also log at INFO on stderr (default: warnings and errors only;"
            + " WEFT_LOG_LEVEL sets the level too).")
    boolean verbose;

    /**
     * Quietens the logs for the command {@code parsed} runs, unless it is a server or the user asked for logs.
     *
     * @param parsed the parsed command line
     * @param servers the command classes that keep their logs
     * @return restores the previous level when closed (the process ends after a tool anyway; tests run many)
     */
    static Runnable applyTo(ParseResult parsed, Class<?>... servers) {
        ParseResult leaf = parsed;
        boolean asked = false;
        for (ParseResult level = parsed; level != null; level = level.subcommand()) {
            asked |= level.hasMatchedOption(OPTION);
            leaf = level;
        }
        Object command = leaf.commandSpec().userObject();
        for (Class<?> server : servers) {
            if (server.isInstance(command)) {
                return () -> { };
            }
        }
        if (asked || setting("WEFT_LOG_LEVEL") != null) {
            return () -> { };
        }
        return quiet();
    }

    private static Runnable quiet() {
        // the first call starts logback (LogConfigurator); nothing has logged yet, so no INFO line got out before
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return () -> { };
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel();
        root.setLevel(Level.WARN);
        return () -> root.setLevel(before);
    }

    private static @Nullable String setting(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            value = System.getenv(name);
        }
        return value == null || value.isBlank() ? null : value;
    }
}
