package dev.weft.service;

import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import dev.weft.db.Isolation;
import dev.weft.db.PoolStatus;
import dev.weft.db.QueryMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The {@code weft} command. Until the HTTP service lands, it runs a weft-db example on an embedded SQLite file
 * under {@code ./weft-data/} (or {@code WEFT_DATA_DIR}): it creates a users table, inserts with RETURNING, moves credits in a transaction, streams the rows and prints
 * the query metrics and pool status.
 */
public final class Main {
    /** A row of the example's users table. */
    record User(long id, String email, long credits) {
    }

    private Main() {
    }

    /**
     * @param args ignored for now
     * @throws IOException if the data directory cannot be created
     */
    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        DatabaseConfig config = config();
        out.println("weft example on " + config.redactedUrl());
        try (Database db = Database.create(config)) {
            db.execute("CREATE TABLE IF NOT EXISTS example_users (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                    + "email VARCHAR(255) NOT NULL UNIQUE, credits BIGINT NOT NULL DEFAULT 0)");
            String suffix = UUID.randomUUID().toString().substring(0, 8);
            User ada = db.insert("example_users", Map.of("email", "ada-" + suffix + "@example.com", "credits", 100))
                    .returning("id", "email", "credits").execute(User.class).first().orElseThrow();
            User bob = db.insert("example_users", Map.of("email", "bob-" + suffix + "@example.com", "credits", 0))
                    .returning("id", "email", "credits").execute(User.class).first().orElseThrow();
            out.println("inserted " + ada + " and " + bob);

            db.inTransaction(Isolation.SERIALIZABLE, tx -> {
                String move = "UPDATE example_users SET credits = credits + :delta WHERE id = :id";
                tx.execute(move, Map.of("delta", -30, "id", ada.id()));
                tx.execute(move, Map.of("delta", 30, "id", bob.id()));
                return null;
            });
            List<User> both = db.query("SELECT id, email, credits FROM example_users WHERE id IN (:a, :b) ORDER BY id",
                    Map.of("a", ada.id(), "b", bob.id()), User.class);
            out.println("after a transfer of 30 credits: " + both);

            try (Stream<User> all = db.stream("SELECT id, email, credits FROM example_users", Map.of(), 100,
                    User.class)) {
                out.println("streamed " + all.count() + " users from the table");
            }
            QueryMetrics metrics = db.queryMetrics();
            out.printf("query metrics: total=%d success_rate=%.2f p50=%s p99=%s%n", metrics.total(),
                    metrics.successRate(), metrics.p50(), metrics.p99());
            PoolStatus pool = db.poolStatus();
            out.printf("pool: size=%d checked_in=%d checked_out=%d overflow=%d invalid=%d waiting=%d%n",
                    pool.size(), pool.checkedIn(), pool.checkedOut(), pool.overflow(), pool.invalid(), pool.waiting());
        }
    }

    private static DatabaseConfig config() throws IOException {
        Path dir = Path.of(System.getenv().getOrDefault("WEFT_DATA_DIR", "weft-data"));
        Files.createDirectories(dir);
        return DatabaseConfig.sqlite(dir.resolve("weft.db").toString());
    }
}
