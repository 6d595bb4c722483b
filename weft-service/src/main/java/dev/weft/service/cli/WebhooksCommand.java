package dev.weft.service.cli;

import dev.weft.core.InvalidInputException;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.DatabaseType;
import dev.weft.db.migrate.MigrationState;
import dev.weft.service.ServiceConfig;
import dev.weft.service.ServiceContext;
import dev.weft.service.data.Page;
import dev.weft.service.data.WebhookRepository;
import dev.weft.service.data.WebhookRow;
import dev.weft.service.jobs.JobMigrations;
import dev.weft.service.webhooks.Delivery;
import dev.weft.service.webhooks.DeliveryPages;
import dev.weft.service.webhooks.DeliveryRepository;
import java.time.Instant;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft webhooks ...}: operators' tools over the database a service uses (the same settings as
 * {@code weft serve}): list webhooks, list a webhook's deliveries, send a delivery again, enable a disabled webhook.
 * They never migrate: a database without the webhook tables (or, for SQLite, no database file at all: a mistyped
 * {@code --data-dir}) is refused with exit 3 rather than created or changed. Tables go to stdout; a running service
 * picks up a retried delivery or an enabled webhook at its next poll.
 *
 * <p>Not thread-safe; run once per process.
 */
@Command(name = "webhooks", mixinStandardHelpOptions = true, description = "Webhook tools.",
        subcommands = {WebhooksCommand.ListWebhooks.class, WebhooksCommand.Deliveries.class,
            WebhooksCommand.Retry.class, WebhooksCommand.Enable.class})
final class WebhooksCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    Verbosity verbosity = new Verbosity();

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return WeftCommand.USAGE;
    }

    /**
     * Opens the database without migrating it.
     *
     * @throws InvalidInputException (exit 3) when the SQLite file does not exist or migration 9 is not applied
     */
    static ServiceContext open(WeftCommand.DataOptions data) {
        ServiceConfig config = data.config();
        DatabaseConfig database = config.databaseOrDefault();
        if (database.type() == DatabaseType.SQLITE && !Files.isRegularFile(Path.of(database.database()))) {
            throw notReady("there is no database at " + database.database() + " (check --data-dir or WEFT_DATA_DIR)");
        }
        ServiceContext context = WeftCommand.Migrate.open(config);
        try {
            boolean ready = context.migrations().status().stream().anyMatch(status -> status.version()
                    .equals(JobMigrations.WEBHOOKS_VERSION) && status.state() == MigrationState.APPLIED);
            if (!ready) {
                throw notReady("the database has no webhook tables: migration " + JobMigrations.WEBHOOKS_VERSION
                        + " is not applied (run weft migrate up)");
            }
            return context;
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    private static InvalidInputException notReady(String message) {
        return new InvalidInputException("database_not_ready", "--data-dir", message);
    }

    /** {@code weft webhooks list [--user ID]}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists webhooks (every user's, or one user's), newest first, as a table on stdout.",
                "Exit codes: 0 listed (also when there are none), 2 bad usage, 3 the database cannot be opened or"
                    + " has no webhook tables (never created nor migrated), 4 its server cannot be reached."})
    static final class ListWebhooks implements Callable<Integer> {
        @Mixin
        WeftCommand.DataOptions data = new WeftCommand.DataOptions();

        @Mixin
        Verbosity verbosity = new Verbosity();

        @Option(names = "--user", paramLabel = "ID", description = "Only this user's webhooks.")
        @Nullable Long user;

        @Option(names = "--limit", description = "At most this many (1..1000, default 100).")
        int limit = Page.DEFAULT_LIMIT;

        @Override
        public Integer call() {
            if (limit < 1 || limit > Page.MAX_LIMIT || (user != null && user < 1)) {
                System.err.println("weft: --limit must be 1..1000 and --user a positive id");
                return WeftCommand.USAGE;
            }
            try (ServiceContext context = open(data)) {
                WebhookRepository webhooks = new WebhookRepository(context.database(), context.clock());
                List<WebhookRow> rows = webhooks.list(user, new Page(limit, 0, "created_at", true));
                List<List<String>> table = new ArrayList<>();
                table.add(List.of("WEBHOOK_ID", "USER", "ENABLED", "EVENTS", "URL", "DISABLED_REASON"));
                for (WebhookRow row : rows) {
                    table.add(List.of(row.webhookId(), Long.toString(row.userId()), row.enabled() ? "yes" : "no",
                            events(row), row.url(), row.disabledReason() == null ? "" : row.disabledReason()));
                }
                print(table, System.out);
                System.err.println("weft: " + rows.size() + " of " + webhooks.count(context.database(), user)
                        + " webhooks");
                return 0;
            }
        }

        private static String events(WebhookRow row) {
            List<String> types = row.eventTypeList();
            return types.size() == 6 ? "all" : String.join(",", types.stream()
                    .map(type -> type.startsWith("video.") ? type.substring("video.".length()) : type).toList());
        }
    }

    /** {@code weft webhooks deliveries WEBHOOK_ID [--state STATE]}. */
    @Command(name = "deliveries", mixinStandardHelpOptions = true,
            description = {"Lists a webhook's deliveries, newest first, as a table on stdout.",
                "Exit codes: 0 listed, 1 no such webhook, 2 bad usage, 3 the database cannot be opened or has no"
                    + " webhook tables (never created nor migrated), 4 its server cannot be reached."})
    static final class Deliveries implements Callable<Integer> {
        @Mixin
        WeftCommand.DataOptions data = new WeftCommand.DataOptions();

        @Mixin
        Verbosity verbosity = new Verbosity();

        @Parameters(index = "0", paramLabel = "WEBHOOK_ID", description = "The webhook.")
        String webhookId = "";

        @Option(names = "--state", description = "Only deliveries in this state: pending, delivered, failed or"
                + " cancelled.")
        @Nullable String state;

        @Option(names = "--limit", description = "At most this many (1..1000, default 100).")
        int limit = Page.DEFAULT_LIMIT;

        @Override
        public Integer call() {
            if (state != null && !DeliveryRepository.STATES.contains(state)) {
                System.err.println("weft: --state must be one of " + String.join(", ", DeliveryRepository.STATES));
                return WeftCommand.USAGE;
            }
            if (limit < 1 || limit > Page.MAX_LIMIT) {
                System.err.println("weft: --limit must be 1..1000");
                return WeftCommand.USAGE;
            }
            try (ServiceContext context = open(data)) {
                if (new WebhookRepository(context.database(), context.clock()).find(webhookId).isEmpty()) {
                    System.err.println("weft: no webhook " + webhookId);
                    return WeftCommand.FAILED;
                }
                DeliveryPages pages = new DeliveryPages(context.database());
                List<Delivery> rows = pages.list(webhookId, state, new Page(limit, 0, "created_at", true));
                List<List<String>> table = new ArrayList<>();
                table.add(List.of("DELIVERY_ID", "EVENT", "STATE", "ATTEMPTS", "LAST_STATUS", "LATENCY_MS",
                        "NEXT_ATTEMPT", "CREATED", "LAST_ERROR"));
                for (Delivery row : rows) {
                    table.add(List.of(row.deliveryId(), row.eventType(), row.state(),
                            Integer.toString(row.attempts()), text(row.lastStatus()), text(row.lastLatencyMs()),
                            Delivery.PENDING.equals(row.state())
                                    ? Instant.ofEpochMilli(row.nextAttemptAt()).toString() : "",
                            row.createdAt().toString(), text(row.lastError())));
                }
                print(table, System.out);
                System.err.println("weft: " + rows.size() + " of " + pages.count(webhookId, state) + " deliveries");
                return 0;
            }
        }
    }

    /** {@code weft webhooks retry DELIVERY_ID}. */
    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = {"Sends a failed or pending delivery again: it is due at once, its attempts kept.",
                "Exit codes: 0 queued, 1 no such delivery or it is delivered or cancelled, 3 the database cannot be"
                    + " opened or has no webhook tables (never created nor migrated), 4 its server cannot be"
                    + " reached."})
    static final class Retry implements Callable<Integer> {
        @Mixin
        WeftCommand.DataOptions data = new WeftCommand.DataOptions();

        @Mixin
        Verbosity verbosity = new Verbosity();

        @Parameters(index = "0", paramLabel = "DELIVERY_ID", description = "The delivery.")
        String deliveryId = "";

        @Override
        public Integer call() {
            try (ServiceContext context = open(data)) {
                DeliveryRepository deliveries = new DeliveryRepository(context.database(), context.clock());
                if (!deliveries.retryNow(deliveryId)) {
                    System.err.println("weft: " + deliveries.find(deliveryId).map(delivery -> "delivery " + deliveryId
                            + " is " + delivery.state() + "; only a pending or failed one can be sent again")
                            .orElse("no delivery " + deliveryId));
                    return WeftCommand.FAILED;
                }
                System.out.println("queued " + deliveryId);
                return 0;
            }
        }
    }

    private static String text(@Nullable Object value) {
        return value == null ? "" : value.toString();
    }

    /** {@code weft webhooks enable WEBHOOK_ID}. */
    @Command(name = "enable", mixinStandardHelpOptions = true,
            description = {"Enables a webhook: clears why it was disabled and how long it has been failing; its"
                    + " waiting deliveries are sent.",
                "Exit codes: 0 enabled (also when it already was), 1 no such webhook, 3 the database cannot be"
                    + " opened or has no webhook tables (never created nor migrated), 4 its server cannot be"
                    + " reached."})
    static final class Enable implements Callable<Integer> {
        @Mixin
        WeftCommand.DataOptions data = new WeftCommand.DataOptions();

        @Mixin
        Verbosity verbosity = new Verbosity();

        @Parameters(index = "0", paramLabel = "WEBHOOK_ID", description = "The webhook.")
        String webhookId = "";

        @Override
        public Integer call() {
            try (ServiceContext context = open(data)) {
                WebhookRepository webhooks = new WebhookRepository(context.database(), context.clock());
                if (webhooks.enable(context.database(), webhookId).isEmpty()) {
                    System.err.println("weft: no webhook " + webhookId);
                    return WeftCommand.FAILED;
                }
                System.out.println("enabled " + webhookId);
                return 0;
            }
        }
    }

    /**
     * Prints rows as columns padded to their widest cell, the last column unpadded.
     *
     * @param rows the header row, then the rows
     * @param out where to
     */
    static void print(List<List<String>> rows, PrintStream out) {
        int columns = rows.getFirst().size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                String cell = row.get(i);
                line.append(i == columns - 1 ? cell : String.format(Locale.ROOT, "%-" + widths[i] + "s  ", cell));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
