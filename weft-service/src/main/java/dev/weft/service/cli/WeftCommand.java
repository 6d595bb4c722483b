package dev.weft.service.cli;

import dev.weft.core.WeftException;
import dev.weft.db.ConnectFailure;
import dev.weft.db.DatabaseUnreachableException;
import dev.weft.db.migrate.MigrationResult;
import dev.weft.db.migrate.MigrationStatus;
import dev.weft.service.ServiceConfig;
import dev.weft.service.ServiceContext;
import dev.weft.service.WeftService;
import dev.weft.service.data.ServiceMigrations;
import dev.weft.service.settings.Settings;
import dev.weft.service.settings.SettingsDocs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code weft} command and its subcommands.
 *
 * <p>Not thread-safe; run once per process.
 */
@Command(name = "weft", mixinStandardHelpOptions = true, versionProvider = WeftCommand.VersionFromBuild.class,
        description = {"The weft service and its tools.",
            "Options of serve may come first: weft --port 8081 runs weft serve --port 8081."},
        footer = WeftCommand.EXIT_CODES,
        subcommands = {WeftCommand.Serve.class, WeftCommand.Migrate.class, WeftCommand.Health.class,
            WeftCommand.Users.class, WebhooksCommand.class, dev.weft.service.provider.ProviderCommand.class,
            CommandLine.HelpCommand.class})
public final class WeftCommand implements Callable<Integer> {
    /** Exit code: the operation failed or found a problem. */
    public static final int FAILED = 1;
    /** Exit code: bad usage. */
    public static final int USAGE = 2;
    /** Exit code: configuration or I/O error; a start that cannot begin (port in use, no such database...). */
    public static final int CONFIG = 3;
    /** Exit code: the database could not be reached within the start-up wait (it may come up later). */
    public static final int DATABASE_UNAVAILABLE = 4;
    /** The exit codes, as the help footer of {@code weft} and {@code weft serve} lists them. */
    static final String EXIT_CODES = "%nExit codes:%n"
            + "  0  success%n"
            + "  1  the operation failed, or found a problem, at run time%n"
            + "  2  usage error: unknown option or command, bad argument%n"
            + "  3  invalid setting, or the start cannot begin: port in use, address not%n"
            + "     of this machine, no such database, login refused, directory not writable,%n"
            + "     SQLite database served by another weft process%n"
            + "  4  the database could not be reached within the start-up wait%n"
            + "     (--db-wait, WEFT_DB_STARTUP_WAIT)%n";
    /** Returned by {@link #run} when {@code serve} is running and the process must not exit. */
    public static final int KEEP_RUNNING = -1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    Verbosity verbosity = new Verbosity();

    /**
     * Options of {@code serve} work without the word: {@code weft --port 8081} runs {@code weft serve --port 8081}.
     *
     * @param args the arguments
     * @return the exit code, or {@link #KEEP_RUNNING}
     */
    public static int run(String... args) {
        if (args.length == 1 && args[0].equals("serve")) {
            // Building picocli's model of every command (reflection over the annotations, run by the interpreter on
            // a cold JVM) took 0.6 s of a 2.3 s start; `weft serve` without flags, how bin/weft and containers
            // start it, has nothing to parse and runs the same Serve with its defaults.
            try {
                return new Serve().call();
            } catch (RuntimeException e) {
                return failed(e, new PrintWriter(System.err, true));
            }
        }
        if (args.length == 2 && args[0].equals("health") && !args[1].startsWith("-")) {
            // `weft health URL` runs as a container's health check, a JVM start every few seconds: without
            // picocli's model (classes the AOT cache cannot hold, reflection over every command), the logging
            // set-up and the JDK's HttpClient, and with the launcher's C1-only flag, a check takes about a sixth of
            // the CPU it did (docs/BENCHMARKS.md, "Where a start goes")
            try {
                return HealthProbe.check(args[1], HealthProbe.DEFAULT_TIMEOUT, System.out, System.err);
            } catch (RuntimeException e) {
                return failed(e, new PrintWriter(System.err, true));
            }
        }
        CommandLine line = new CommandLine(new WeftCommand());
        line.setExecutionExceptionHandler((failure, command, parsed) -> failed(failure, command.getErr()));
        line.setParameterExceptionHandler(WeftCommand::badUsage);
        line.setExecutionStrategy(parsed -> {
            Runnable restoreLogs = Verbosity.applyTo(parsed, Serve.class,
                    dev.weft.service.provider.ProviderCommand.class);
            try {
                return new CommandLine.RunLast().execute(parsed);
            } finally {
                restoreLogs.run();
            }
        });
        UsersImport.describeColumns(subcommand(subcommand(line, "users"), "import"));
        return line.execute(bareOptionsToServe(line, args));
    }

    private static CommandLine subcommand(CommandLine parent, String name) {
        return java.util.Objects.requireNonNull(parent.getSubcommands().get(name), name);
    }

    /**
     * {@code weft --port 8081} means {@code weft serve --port 8081}, as {@code bin/weft} with no arguments means
     * {@code weft serve}: an option of serve's that the top-level command does not have gets {@code serve} put in
     * front. Anything else is left to picocli (an unknown option is still an error).
     *
     * @param line the command line
     * @param args the arguments
     * @return the arguments, with {@code serve} first when they start with one of its options
     */
    static String[] bareOptionsToServe(CommandLine line, String[] args) {
        if (args.length == 0 || !args[0].startsWith("-")) {
            return args;
        }
        int equals = args[0].indexOf('=');
        String name = equals > 0 ? args[0].substring(0, equals) : args[0];
        CommandLine serve = line.getSubcommands().get("serve");
        if (line.getCommandSpec().findOption(name) != null || serve == null
                || serve.getCommandSpec().findOption(name) == null) {
            return args;
        }
        String[] routed = new String[args.length + 1];
        routed[0] = "serve";
        System.arraycopy(args, 0, routed, 1, args.length);
        return routed;
    }

    /**
     * A flag picocli could not parse: the error, picocli's suggestions for a misspelt one, and where the help is, in a
     * few lines (git's and kubectl's way) rather than the command's whole help, where the error scrolls out of sight.
     */
    private static int badUsage(CommandLine.ParameterException failure, String[] args) {
        CommandLine command = failure.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("weft: " + failure.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(failure, err);
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return USAGE;
    }

    /**
     * Refuses an argument picocli's types cannot: the same few lines and exit code as a flag it could not parse.
     *
     * @param command the command that checks
     * @param valid whether the argument holds
     * @param message what is wrong with it
     * @throws CommandLine.ParameterException unless it holds
     */
    static void usage(CommandLine.Model.CommandSpec command, boolean valid, String message) {
        if (!valid) {
            throw new CommandLine.ParameterException(command.commandLine(), message);
        }
    }

    private static int failed(Exception failure, PrintWriter err) {
        if (failure instanceof WeftException weft) {
            err.println("weft: " + weft.getMessage() + " (" + weft.code() + ")");
            if (weft.kind() == dev.weft.core.ErrorKind.INVALID_INPUT) {
                return CONFIG;
            }
            return weft instanceof DatabaseUnreachableException ? DATABASE_UNAVAILABLE : FAILED;
        }
        // a failure weft did not foresee: a bug, whose class and stack trace go to the log, not to the operator's line
        LoggerFactory.getLogger(WeftCommand.class).error("command failed", failure);
        err.println("weft: internal error: " + (failure.getMessage() == null ? "see the log" : failure.getMessage()));
        return FAILED;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** Options that say where the data is; shared by the commands that open the database. */
    static final class DataOptions {
        @Option(names = "--data-dir", description = "Directory of the embedded SQLite database and uploads "
                + "(env WEFT_DATA_DIR, default ./weft-data).")
        @Nullable Path dataDir;

        ServiceConfig config() {
            ServiceConfig config = ServiceConfig.fromEnv(Settings.environment());
            return dataDir != null ? config.withDataDir(dataDir) : config;
        }
    }

    /** {@code weft --version}: the build's own version and commit, what {@code /info} shows (was a fixed string). */
    static final class VersionFromBuild implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            dev.weft.service.BuildInfo build = dev.weft.service.BuildInfo.current();
            return new String[] {"weft " + build.version() + " (commit " + build.commitShort()
                    + (build.dirty() ? ", with uncommitted changes" : "") + ")"};
        }
    }

    /** {@code weft serve}. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Runs the HTTP service. With no configuration: SQLite under ./weft-data/, in-process cache,"
                    + " migrations applied, 127.0.0.1:8080, a generated admin key printed once.",
                "Every setting is an environment variable (listed below, from the settings registry); the flags"
                    + " win over theirs.",
                "Before any work the start checks that it can listen on the address and connect to the database;"
                    + " each failed connect is printed at once with its cause. A cause that may pass (refused,"
                    + " unknown host, timeout, locked file) is retried for the start-up wait; one that cannot"
                    + " (no such database, login refused, directory not writable) ends the start at once."})
    static final class Serve implements Callable<Integer> {
        @CommandLine.Mixin
        DataOptions data = new DataOptions();

        @CommandLine.Mixin
        SettingsFooter settings = new SettingsFooter();

        @Option(names = "--port", description = "Port (env WEFT_PORT, default 8080; 0 picks a free one).")
        @Nullable Integer port;

        @Option(names = "--bind", description = "Address to listen on (env WEFT_BIND, default 127.0.0.1).")
        @Nullable String bind;

        @Option(names = "--workers", description = "Job workers (env WEFT_WORKERS, default 16).")
        @Nullable Integer workers;

        @Option(names = "--db-wait", paramLabel = "SECONDS", description = "How long the start waits for a database"
                + " it cannot reach yet, in seconds or ISO-8601 (env WEFT_DB_STARTUP_WAIT, default 30; 0 tries once).")
        @Nullable String databaseWait;

        @Override
        public Integer call() {
            ServiceConfig config = data.config();
            if (port != null) {
                config = config.withPort(port);
            }
            if (bind != null) {
                config = config.withBind(bind);
            }
            if (workers != null) {
                config = config.withWorkers(workers);
            }
            if (databaseWait != null) {
                config = config.withDatabaseWait(dev.weft.core.Checks.parseSeconds("--db-wait", databaseWait));
            }
            WeftService service = WeftService.builder(config).onDatabaseWait(new WaitNotices(config.databaseWait()))
                    .build().start();
            Runtime.getRuntime().addShutdownHook(new Thread(service::close, "weft-shutdown"));
            service.generatedAdminKey().ifPresent(key -> {
                System.out.println("weft: generated admin key (shown once, stored hashed): " + key);
            });
            System.out.println("weft: listening on http://" + config.bind() + ":" + service.port()
                    + " (dashboard at /, docs at /docs)");
            System.out.flush();
            return KEEP_RUNNING;
        }
    }

    /** Adds the settings registry's list ({@link SettingsDocs#helpLines()}) to the help of the command it joins. */
    @Command
    static final class SettingsFooter {
        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        void joined(CommandLine.Model.CommandSpec command) {
            // picocli formats footer lines: a % in a default must stay a %
            // then the exit codes, which the top-level command shows too
            command.usageMessage().footer(java.util.stream.Stream.concat(SettingsDocs.helpLines().stream()
                    .map(line -> line.replace("%", "%%")), java.util.stream.Stream.of("", EXIT_CODES))
                    .toArray(String[]::new));
        }
    }

    /** Prints each failed connect of the start-up wait on stderr at once, with the time left to wait. */
    static final class WaitNotices implements java.util.function.Consumer<ConnectFailure> {
        private final long deadlineNanos;

        WaitNotices(Duration wait) {
            this.deadlineNanos = System.nanoTime() + wait.toNanos();
        }

        @Override
        public void accept(ConnectFailure failure) {
            long left = Math.max(0, (java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(deadlineNanos
                    - System.nanoTime()) + 999) / 1000);
            System.err.println("weft: waiting for the database: " + failure.description() + " (" + failure.reason()
                    .code() + "; trying again for up to " + left + " s, WEFT_DB_STARTUP_WAIT)");
            System.err.flush();
        }
    }

    /** {@code weft migrate}. */
    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Shows or changes the schema version: status (default), up, to VERSION, rollback.",
            subcommands = {Migrate.Status.class, Migrate.Up.class, Migrate.To.class, Migrate.Rollback.class})
    static final class Migrate implements Callable<Integer> {
        @CommandLine.Mixin
        DataOptions data = new DataOptions();

        @CommandLine.Mixin
        Verbosity verbosity = new Verbosity();

        @Override
        public Integer call() {
            return Status.print(data.config());
        }

        static ServiceContext open(ServiceConfig config) {
            if (config.databaseOrDefault().type() != dev.weft.db.DatabaseType.SQLITE) {
                // one connect first, so that a server that cannot be used is named as serve names it ("connection
                // refused by host:port", exit 4; no such database, exit 3), not as the pool's "down since 1 ms"
                dev.weft.db.ConnectProbe.of(config.databaseOrDefault()).await(Duration.ZERO, failure -> {
                });
            }
            return ServiceContext.open(config, Clock.systemUTC(), standardMigrations(), false);
        }

        /** @return the migrations of every feature serve runs, so that status and up see the same schema */
        static List<java.util.function.Function<dev.weft.db.DatabaseType, List<dev.weft.db.migrate.Migration>>>
                standardMigrations() {
            return dev.weft.service.Features.standard().stream().flatMap(feature -> feature.migrations().stream())
                    .toList();
        }

        static void print(MigrationResult result) {
            System.out.println("applied: " + result.applied() + ", rolled back: " + result.rolledBack()
                    + ", current: " + result.current());
        }

        /** {@code weft migrate status}. */
        @Command(name = "status", mixinStandardHelpOptions = true, description = "Lists every migration and its state;"
                + " exits 1 if any is pending, failed, changed or missing.")
        static final class Status implements Callable<Integer> {
            @CommandLine.Mixin
            DataOptions data = new DataOptions();

            @CommandLine.Mixin
            Verbosity verbosity = new Verbosity();

            @Override
            public Integer call() {
                return print(data.config());
            }

            static int print(ServiceConfig config) {
                boolean current = true;
                for (MigrationStatus status : statuses(config)) {
                    System.out.printf("%-6s %-28s %-8s %s%n", status.version(), status.name(), status.state(),
                            status.appliedAt() == null ? "" : status.appliedAt());
                    current &= status.state() == dev.weft.db.migrate.MigrationState.APPLIED;
                }
                return current ? 0 : FAILED;
            }

            private static List<MigrationStatus> statuses(ServiceConfig config) {
                dev.weft.db.DatabaseConfig database = config.databaseOrDefault();
                Path file = config.sqliteFile().orElse(null);
                if (file != null && !java.nio.file.Files.exists(file)) {
                    // a status only looks: opening SQLite would create the file (and the data directory), which a
                    // later serve then finds as an empty database someone made on purpose
                    System.err.println("weft: " + file + " does not exist yet: every migration is pending ('weft "
                            + "migrate up' or 'weft serve' creates it)");
                    return ServiceMigrations.source(database.type(), standardMigrations()).migrations().stream()
                            .map(migration -> new MigrationStatus(migration.version(), migration.name(),
                                    dev.weft.db.migrate.MigrationState.PENDING, null, migration.checksum(), null, null))
                            .toList();
                }
                try (ServiceContext context = open(config)) {
                    return context.migrations().status();
                }
            }
        }

        /** {@code weft migrate up}. */
        @Command(name = "up", mixinStandardHelpOptions = true, description = "Applies every pending migration.")
        static final class Up implements Callable<Integer> {
            @CommandLine.Mixin
            DataOptions data = new DataOptions();

            @CommandLine.Mixin
            Verbosity verbosity = new Verbosity();

            @Override
            public Integer call() {
                try (ServiceContext context = open(data.config())) {
                    print(context.migrations().migrate());
                    return 0;
                }
            }
        }

        /** {@code weft migrate to VERSION}. */
        @Command(name = "to", mixinStandardHelpOptions = true,
                description = {"Moves the schema up or down to VERSION.",
                    "Down runs the down SQL of every applied migration above VERSION, which drops what they created:"
                        + " it lists them and asks first (on a terminal), or needs --yes."})
        static final class To implements Callable<Integer> {
            @CommandLine.Mixin
            DataOptions data = new DataOptions();

            @CommandLine.Mixin
            Verbosity verbosity = new Verbosity();

            @Parameters(index = "0", description = "The target version.")
            String version = "";

            @Option(names = {"-y", "--yes"}, description = "Roll back without asking (needed without a terminal).")
            boolean yes;

            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;

            @Override
            public Integer call() {
                // checked before the database is opened (or created)
                usage(spec, version.matches("[0-9]{1,18}(?:[._][0-9]{1,18}){0,7}"), "'" + version
                        + "' is not a migration version (groups of digits separated by '.' or '_', as 'migrate"
                        + " status' lists them)");
                try (ServiceContext context = open(data.config())) {
                    List<MigrationStatus> doomed = RollbackPlan.above(context.migrations().status(), version);
                    int refused = RollbackPlan.confirm("migrate to " + version, doomed, yes);
                    if (refused != 0) {
                        return refused;
                    }
                    print(context.migrations().migrate(version));
                    return 0;
                }
            }
        }

        /** {@code weft migrate rollback}. */
        @Command(name = "rollback", mixinStandardHelpOptions = true,
                description = {"Rolls back the newest applied migrations.",
                    "Their down SQL drops what they created: it lists them and asks first (on a terminal), or needs"
                        + " --yes. Exit codes: 0 done, 1 declined or failed, 2 refused without a terminal."})
        static final class Rollback implements Callable<Integer> {
            @CommandLine.Mixin
            DataOptions data = new DataOptions();

            @CommandLine.Mixin
            Verbosity verbosity = new Verbosity();

            @Option(names = "--steps", description = "How many (default 1).")
            int steps = 1;

            @Option(names = {"-y", "--yes"}, description = "Roll back without asking (needed without a terminal).")
            boolean yes;

            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;

            @Override
            public Integer call() {
                usage(spec, steps >= 1, "--steps must be at least 1, got " + steps);
                try (ServiceContext context = open(data.config())) {
                    List<MigrationStatus> doomed = RollbackPlan.newest(context.migrations().status(), steps);
                    int refused = RollbackPlan.confirm("migrate rollback", doomed, yes);
                    if (refused != 0) {
                        return refused;
                    }
                    print(context.migrations().rollback(steps));
                    return 0;
                }
            }
        }
    }

    /** {@code weft health URL}. */
    @Command(name = "health", mixinStandardHelpOptions = true,
            description = "Asks a running service whether it is ready; exits 0 if it is, 1 if not, 3 if unreachable.")
    static final class Health implements Callable<Integer> {
        @Parameters(index = "0", description = "The service's base URL, e.g. http://127.0.0.1:8080 or "
                + "https://host/prefix behind a proxy, or one of its /health URLs.")
        String url = "";

        @Option(names = "--timeout", description = "The longest the check may take, in seconds (default 5).")
        int timeoutSeconds = (int) HealthProbe.DEFAULT_TIMEOUT.toSeconds();

        @CommandLine.Mixin
        Verbosity verbosity = new Verbosity();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            usage(spec, timeoutSeconds >= 1, "--timeout must be at least 1 second, got " + timeoutSeconds);
            return HealthProbe.check(url, Duration.ofSeconds(timeoutSeconds), System.out, System.err);
        }
    }

    /** {@code weft users}. */
    @Command(name = "users", mixinStandardHelpOptions = true, description = "User tools.",
            subcommands = {UsersImport.class})
    static final class Users implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Verbosity verbosity = new Verbosity();

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return USAGE;
        }
    }
}
