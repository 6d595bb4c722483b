package dev.weft.faults;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * A bank's clients against the service: a fixed set of accounts (users with credits) between which credits move
 * ({@code POST /transfer}), new users created ({@code POST /users}), and reads ({@code GET /users/{id}}), sent open
 * loop at a fixed rate so that a request that hangs does not slow the next ones. Every operation goes into a
 * {@link History}; {@link BankLedger} checks the database against it afterwards.
 *
 * <p>An answer is {@link History.Outcome#UNKNOWN} when none came, when it is a 500 (the service says nothing about
 * what happened) or when its problem code is {@link #OUTCOME_UNKNOWN_CODE}; any other refusal says nothing was
 * committed.
 */
final class BankWorkload {
    /** The problem code with which the service says a write may or may not have been committed. */
    static final String OUTCOME_UNKNOWN_CODE = "commit_outcome_unknown";

    /**
     * An answer that was not a 2xx, with what a client relies on.
     *
     * @param op the operation
     * @param retryAfter its {@code Retry-After}, or null
     * @param body its body
     */
    record Refusal(History.Op op, @Nullable String retryAfter, String body) {
    }

    private final Http http;
    private final String tag;
    private final List<Long> accounts;
    private final long openingBalance;
    private final History history = new History();
    private final ConcurrentLinkedQueue<Refusal> refusals = new ConcurrentLinkedQueue<>();

    private BankWorkload(Http http, String tag, List<Long> accounts, long openingBalance) {
        this.http = http;
        this.tag = tag;
        this.accounts = List.copyOf(accounts);
        this.openingBalance = openingBalance;
    }

    /**
     * Opens the accounts in one {@code POST /users/batch}.
     *
     * @param http the client (its timeout bounds every operation)
     * @param service where to open them
     * @param tag makes emails and usernames unique to the run, {@code [a-z0-9]}
     * @param count how many accounts
     * @param balance each one's opening credits
     * @return the workload, nothing run yet
     */
    static BankWorkload open(Http http, ServiceProcess service, String tag, int count, long balance)
            throws IOException, InterruptedException {
        List<Map<String, Object>> users = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            users.add(Map.of("email", "acct" + i + "-" + tag + "@example.com", "username", "acct" + i + "_" + tag,
                    "credits", balance));
        }
        Http.Answer answer = http.post(service.url("/users/batch"), Http.admin(), Map.of("users", users));
        if (answer.status() != 201) {
            throw new IllegalStateException("opening accounts: " + answer.status() + " " + answer.body());
        }
        List<Long> ids = new ArrayList<>();
        answer.json().get("created").forEach(user -> ids.add(user.get("id").asLong()));
        return new BankWorkload(http, tag, ids, balance);
    }

    /** @return the accounts' user ids */
    List<Long> accounts() {
        return accounts;
    }

    /** @return each account's opening credits */
    long openingBalance() {
        return openingBalance;
    }

    /** @return what the clients did */
    History history() {
        return history;
    }

    /** @return every answer that was not a 2xx */
    List<Refusal> refusals() {
        return List.copyOf(refusals);
    }

    /**
     * Starts sending: 20 % creates, 40 % transfers, 40 % reads, spread over the services in turn.
     *
     * @param services where to send
     * @param perSecond the rate
     * @param seed the random choices' seed
     * @return the running load; {@link Load#close()} stops it and waits for answers
     */
    Load start(List<ServiceProcess> services, double perSecond, long seed) {
        return new Load(services, perSecond, seed);
    }

    /**
     * One transfer, recorded in the history (for scenarios that send their own).
     *
     * @param service where
     * @param client who, for the history
     * @param from the payer
     * @param to the payee
     * @param amount credits
     */
    void transfer(ServiceProcess service, String client, long from, long to, long amount) {
        String value = from + ">" + to + ":" + amount;
        long start = System.nanoTime();
        Http.Answer answer = call(() -> http.post(service.url("/transfer"), Http.admin(),
                Map.of("from_user_id", from, "to_user_id", to, "amount", amount)));
        record(client, "transfer", value, start, answer, value);
    }

    private void create(ServiceProcess service, String client, long n) {
        String email = "new" + n + "-" + tag + "@example.com";
        long start = System.nanoTime();
        Http.Answer answer = call(() -> http.post(service.url("/users"), Http.admin(),
                Map.of("email", email, "username", "new" + n + "_" + tag, "credits", 7)));
        record(client, "create", email, start, answer, "7");
    }

    private void read(ServiceProcess service, String client, long id) {
        long start = System.nanoTime();
        Http.Answer answer = call(() -> http.get(service.url("/users/" + id), Http.admin()));
        record(client, "read", Long.toString(id), start, answer, answer != null && answer.status() == 200
                ? answer.json().path("credits").asText() : null);
    }

    private void record(String client, String op, String key, long start, Http.@Nullable Answer answer,
            @Nullable String value) {
        long end = System.nanoTime();
        History.Outcome outcome;
        if (answer == null) {
            outcome = History.Outcome.UNKNOWN;
        } else if (answer.status() < 300) {
            outcome = History.Outcome.OK;
        } else if (answer.status() == 500 || answer.body().contains("\"" + OUTCOME_UNKNOWN_CODE + "\"")) {
            outcome = History.Outcome.UNKNOWN;
        } else {
            outcome = History.Outcome.FAIL;
        }
        History.Op recorded = new History.Op(client, op, key, start, end, outcome,
                answer == null ? 0 : answer.status(), value);
        history.add(recorded);
        if (answer != null && answer.status() >= 300) {
            refusals.add(new Refusal(recorded, answer.header("Retry-After").orElse(null), answer.body()));
        }
    }

    private static Http.@Nullable Answer call(Http.Call call) {
        try {
            return Http.orNull(call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A running load: one pacing thread, one virtual thread per operation. */
    final class Load implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService operations = Executors.newVirtualThreadPerTaskExecutor();
        private final Thread pacer;

        private Load(List<ServiceProcess> services, double perSecond, long seed) {
            long interval = (long) (1e9 / perSecond);
            pacer = Thread.ofPlatform().daemon().name("bank-pacer").start(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                long next = System.nanoTime();
                for (long n = 0; running.get(); n++) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    next += interval;
                    ServiceProcess service = services.get((int) (n % services.size()));
                    String client = service.name();
                    int kind = random.nextInt(10);
                    long serial = n;
                    if (kind < 2) {
                        operations.execute(() -> create(service, client, serial));
                    } else if (kind < 6) {
                        int from = random.nextInt(accounts.size());
                        int to = (from + 1 + random.nextInt(accounts.size() - 1)) % accounts.size();
                        long amount = 1 + random.nextInt(50);
                        operations.execute(() -> transfer(service, client, accounts.get(from), accounts.get(to),
                                amount));
                    } else {
                        long id = accounts.get(random.nextInt(accounts.size()));
                        operations.execute(() -> read(service, client, id));
                    }
                }
            });
        }

        /** Stops sending and waits (bounded) for the answers of what was sent. */
        @Override
        public void close() throws InterruptedException {
            running.set(false);
            pacer.join(5_000);
            operations.shutdown();
            if (!operations.awaitTermination(90, TimeUnit.SECONDS)) {
                operations.shutdownNow();
                throw new IllegalStateException("operations still running 90 s after the load stopped");
            }
        }
    }
}
