package dev.weft.service.cli;

import dev.weft.core.WeftException;
import dev.weft.db.ConstraintViolationException;
import dev.weft.service.ApiKeys;
import dev.weft.service.Json;
import dev.weft.service.ProblemException;
import dev.weft.service.ServiceContext;
import dev.weft.service.users.CreateUserRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft users import FILE}: CSV (header {@code email,username,full_name,credits}) or NDJSON (one create body
 * per line). Rows are validated like {@code POST /users}, inserted through weft-db's bulk insert in chunks, and a
 * chunk that hits an existing email or username falls back to row-by-row inserts so only those rows are rejected.
 * Each created user's key is printed once to stdout as {@code email,api_key}; progress and the rejected rows go to
 * stderr. Exit code 0 if every row was imported, 1 if some were rejected, 3 if the file cannot be read.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Imports users from a CSV or NDJSON file; prints email,api_key per created user.")
final class UsersImport implements Callable<Integer> {
    private static final int CHUNK = 1000;
    private static final List<String> COLUMNS = List.of("email", "username", "full_name", "credits", "api_key_hash",
            "is_active", "created_at", "updated_at");

    @Mixin
    WeftCommand.DataOptions data = new WeftCommand.DataOptions();

    @Parameters(index = "0", description = "The file: .csv or .ndjson/.jsonl")
    Path file = Path.of("");

    @Option(names = "--format", description = "csv or ndjson (default: from the file name)")
    String format = "";

    /** A valid row and the line it came from. */
    private record Row(int line, CreateUserRequest user, String key) {
    }

    @Override
    public Integer call() {
        String kind = format.isEmpty() ? (file.toString().toLowerCase(Locale.ROOT).endsWith(".csv") ? "csv"
                : "ndjson") : format.toLowerCase(Locale.ROOT);
        if (!kind.equals("csv") && !kind.equals("ndjson")) {
            System.err.println("weft: --format must be csv or ndjson");
            return WeftCommand.USAGE;
        }
        if (!Files.isReadable(file)) {
            System.err.println("weft: cannot read " + file);
            return WeftCommand.CONFIG;
        }
        PrintStream err = System.err;
        Json json = Json.create();
        long imported = 0;
        List<String> rejected = new ArrayList<>();
        Set<String> seenEmails = new HashSet<>();
        Set<String> seenUsernames = new HashSet<>();
        try (ServiceContext context = WeftCommand.Migrate.open(data.config());
                BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            context.migrations().migrate();
            List<Row> chunk = new ArrayList<>();
            List<String> header = null;
            String text;
            int line = 0;
            while ((text = reader.readLine()) != null) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                if (kind.equals("csv") && header == null) {
                    header = Csv.parse(text).stream().map(String::strip).toList();
                    if (!header.contains("email") || !header.contains("username")) {
                        err.println("weft: the CSV header must name email and username");
                        return WeftCommand.USAGE;
                    }
                    continue;
                }
                try {
                    CreateUserRequest user = kind.equals("csv")
                            ? fromCsv(Objects.requireNonNull(header), Csv.parse(text)) // a CSV's first line set it
                            : json.read(text.getBytes(StandardCharsets.UTF_8), CreateUserRequest.class);
                    if (!seenEmails.add(Objects.requireNonNull(user.email()).toLowerCase(Locale.ROOT))) {
                        throw ProblemException.invalidField("email", "repeats an earlier row");
                    }
                    if (!seenUsernames.add(user.username())) {
                        throw ProblemException.invalidField("username", "repeats an earlier row");
                    }
                    chunk.add(new Row(line, user, ApiKeys.newUserKey()));
                } catch (WeftException | IllegalArgumentException e) {
                    rejected.add("line " + line + ": " + e.getMessage());
                }
                if (chunk.size() == CHUNK) {
                    imported += insert(context, chunk, rejected);
                    chunk.clear();
                    err.print("\rweft: imported " + imported + ", rejected " + rejected.size());
                }
            }
            imported += insert(context, chunk, rejected);
            err.println("\rweft: imported " + imported + ", rejected " + rejected.size());
        } catch (IOException e) {
            err.println("weft: reading " + file + " failed: " + e.getMessage());
            return WeftCommand.CONFIG;
        }
        for (String reason : rejected.subList(0, Math.min(rejected.size(), 100))) {
            err.println("  rejected " + reason);
        }
        if (rejected.size() > 100) {
            err.println("  ... and " + (rejected.size() - 100) + " more");
        }
        return rejected.isEmpty() ? 0 : WeftCommand.FAILED;
    }

    private static CreateUserRequest fromCsv(List<String> header, List<String> values) {
        if (values.size() != header.size()) {
            throw new IllegalArgumentException("expected " + header.size() + " fields, found " + values.size());
        }
        String email = null;
        String username = null;
        String fullName = null;
        Long credits = null;
        for (int i = 0; i < header.size(); i++) {
            String value = values.get(i);
            switch (header.get(i)) {
                case "email" -> email = value;
                case "username" -> username = value;
                case "full_name" -> fullName = value.isEmpty() ? null : value;
                case "credits" -> {
                    try {
                        credits = value.isEmpty() ? null : Long.valueOf(value.strip());
                    } catch (NumberFormatException e) {
                        throw ProblemException.invalidField("credits", "must be an integer");
                    }
                }
                default -> throw new IllegalArgumentException("unknown column " + header.get(i));
            }
        }
        return new CreateUserRequest(email, username, fullName, credits);
    }

    private static long insert(ServiceContext context, List<Row> chunk, List<String> rejected) {
        if (chunk.isEmpty()) {
            return 0;
        }
        Instant now = Instant.now();
        List<List<?>> rows = new ArrayList<>();
        for (Row row : chunk) {
            rows.add(values(row, now));
        }
        try {
            long count = context.database().bulkInsert("users", COLUMNS, rows).execute();
            chunk.forEach(row -> System.out.println(row.user().email() + "," + row.key()));
            return count;
        } catch (ConstraintViolationException conflict) {
            long count = 0;
            for (Row row : chunk) {
                try {
                    context.database().bulkInsert("users", COLUMNS, List.of(values(row, now))).execute();
                    System.out.println(row.user().email() + "," + row.key());
                    count++;
                } catch (ConstraintViolationException duplicate) {
                    rejected.add("line " + row.line() + ": email or username already exists");
                }
            }
            return count;
        }
    }

    private static List<Object> values(Row row, Instant now) {
        List<Object> values = new ArrayList<>();
        values.add(row.user().email());
        values.add(row.user().username());
        values.add(row.user().fullName());
        values.add(row.user().credits() == null ? 0L : row.user().credits());
        values.add(ApiKeys.sha256(row.key()));
        values.add(true);
        values.add(now);
        values.add(now);
        return values;
    }
}
