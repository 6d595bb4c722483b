package example;

import dev.weft.db.Database;
import dev.weft.db.DatabaseConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Opens a SQLite file with weft-db, as the README's example does, and prints what it reads back. */
public final class Main {
    record Greeting(long id, String text) {}

    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile("weft-bom-consumer", ".db");
        try (Database db = Database.create(DatabaseConfig.sqlite(file.toString()))) {
            db.execute("CREATE TABLE greetings (id INTEGER PRIMARY KEY, text TEXT NOT NULL)", Map.of());
            db.execute("INSERT INTO greetings (id, text) VALUES (:id, :text)", Map.of("id", 1, "text", "hello"));
            List<Greeting> greetings = db.query("SELECT id, text FROM greetings", Map.of(), Greeting.class);
            System.out.println("weft-db via weft-bom: " + greetings);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
