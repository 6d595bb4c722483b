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
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft users import FILE}: RFC 4180 CSV ({@link UserColumns}, read by Commons CSV: quoted fields may hold
 * commas, doubled quotes and line breaks) or NDJSON (one create body per line). The file is read twice: first to
 * check the CSV header and syntax and count the rows (nothing is imported from a file that fails there), then to
 * import. Rows are validated like {@code POST /users}, inserted through weft-db's bulk insert in chunks, and a chunk
 * that hits an existing email or username falls back to row-by-row inserts so only those rows are rejected. Each
 * created user's key is printed once to stdout as {@code email,api_key}; progress, the summary and the rejected rows
 * go to stderr. Exit code 0 if every row was imported, 1 if some were rejected, 2 for a bad header or a file that is
 * not CSV, 3 if the file cannot be read. {@code -} reads standard input; it, a pipe or a device is copied to a private
 * temporary file first (deleted at the end), as a pipe can be read only once.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Imports users from a CSV or NDJSON file (- for standard input); prints email,api_key per"
                + " created user on stdout, progress and rejected rows on stderr.",
            "Exit codes: 0 all imported, 1 some rows rejected, 2 bad header or not CSV (nothing imported),"
                + " 3 the file cannot be read."})
final class UsersImport implements Callable<Integer> {
    private static final int CHUNK = 1000;
    private static final int SHOWN_REJECTIONS = 100;
    private static final List<String> COLUMNS = List.of("email", "username", "full_name", "credits", "api_key_hash",
            "is_active", "created_at", "updated_at");
    private static final CSVFormat CSV = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).get();

    @Mixin
    WeftCommand.DataOptions data = new WeftCommand.DataOptions();

    @Mixin
    Verbosity verbosity = new Verbosity();

    @Parameters(index = "0", description = "The file: .csv or .ndjson/.jsonl; - for standard input (a pipe or"
            + " /dev/stdin works too)")
    Path file = Path.of("");

    @Option(names = "--format", description = "csv or ndjson (default: from the file name; for standard input, a"
            + " pipe or a name without .csv/.ndjson/.jsonl: ndjson if the first character is {, else csv)")
    String format = "";

    /**
     * What is read: the file itself, or for standard input, a pipe or a device a private temporary copy of it. The
     * import reads its input twice (the check, then the rows), and a pipe can be read only once: the second pass
     * found it empty, so {@code cat users.csv | weft users import /dev/stdin} imported nothing and exited 0.
     */
    private Path input = Path.of("");

    /** A valid row and where it came from. */
    private record Row(String position, CreateUserRequest user, String key) {
    }

    /**
     * Lists the CSV columns under the command's help; built from {@link UserColumns#ALL}, which an annotation
     * cannot name.
     *
     * @param command the {@code users import} command line
     */
    static void describeColumns(CommandLine command) {
        StringBuilder footer = new StringBuilder("%nCSV: RFC 4180 (comma-separated; a field in double quotes may"
                + " hold commas, line breaks and doubled quotes), UTF-8, a header row first. Columns, in any"
                + " order:%n");
        for (UserColumns.Column column : UserColumns.ALL) {
            footer.append(String.format(Locale.ROOT, "  %-10s %-9s %s%%n", column.name(),
                    column.required() ? "required" : "optional", column.format()));
        }
        footer.append("An unknown column stops the import before any row is read.%n"
                + "NDJSON: one JSON object per line with the same fields, as POST /users takes.%n"
                + "Example:%n  email,username,full_name,credits%n  ada@example.com,ada,\"Lovelace, Ada\",10");
        command.getCommandSpec().usageMessage().footer(footer.toString());
    }

    @Override
    public Integer call() {
        boolean stdin = file.toString().equals("-");
        if (!format.isEmpty() && !format.equalsIgnoreCase("csv") && !format.equalsIgnoreCase("ndjson")) {
            System.err.println("weft: --format must be csv or ndjson");
            return WeftCommand.USAGE;
        }
        if (!stdin && !Files.isReadable(file)) {
            System.err.println("weft: cannot read " + file);
            return WeftCommand.CONFIG;
        }
        if (!stdin && Files.isRegularFile(file)) {
            input = file;
            return importInput();
        }
        Path copy = null;
        try {
            copy = Files.createTempFile("weft-import-", ".tmp");  // owner-only (rw-------) on POSIX
            try (java.io.InputStream in = stdin ? System.in : Files.newInputStream(file)) {
                Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            input = copy;
            return importInput();
        } catch (IOException e) {
            System.err.println("weft: reading " + name() + " failed: " + e.getMessage());
            return WeftCommand.CONFIG;
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException e) {
                    System.err.println("weft: could not delete the temporary copy " + copy + ": " + e.getMessage());
                }
            }
        }
    }

    /** How messages name the input. */
    private String name() {
        return file.toString().equals("-") ? "standard input" : file.toString();
    }

    /**
     * csv or ndjson: {@code --format}, else the file name's extension, else (standard input, a pipe, a name without
     * one) the first character of the input: a JSON object's brace means NDJSON.
     */
    private String kind() throws IOException {
        if (!format.isEmpty()) {
            return format.toLowerCase(Locale.ROOT);
        }
        String lower = file.toString().toLowerCase(Locale.ROOT);
        if (lower.endsWith(".csv")) {
            return "csv";
        }
        if (lower.endsWith(".ndjson") || lower.endsWith(".jsonl") || lower.endsWith(".json")) {
            return "ndjson";
        }
        try (java.io.InputStream in = Files.newInputStream(input)) {
            byte[] head = in.readNBytes(4096);
            for (byte b : head) {
                if (b == '{') {
                    return "ndjson";
                }
                // a BOM's bytes, spaces and line breaks come before the first character
                if (b != ' ' && b != '\t' && b != '\r' && b != '\n' && (b & 0x80) == 0) {
                    return "csv";
                }
            }
            return "csv";
        }
    }

    private int importInput() {
        PrintStream err = System.err;
        try {
            UserColumns columns = null;
            long total;
            if (kind().equals("csv")) {
                CsvScan scan = scanCsv();
                if (scan.header().refusal() != null) {
                    err.println("weft: " + name() + ": " + scan.header().refusal());
                    return WeftCommand.USAGE;
                }
                columns = scan.header().accepted().orElseThrow();
                total = scan.rows();
            } else {
                total = countLines();
            }
            Importer importer;
            try (ServiceContext context = WeftCommand.Migrate.open(data.config())) {
                context.migrations().migrate();
                // started after the migrations, so that rows/s and the time left count rows only
                try (ImportProgress progress = ImportProgress.create(total, err, Terminals.stderrIsTerminal())) {
                    importer = new Importer(context, progress);
                    if (columns != null) {
                        importCsv(columns, importer);
                    } else {
                        importNdjson(importer);
                    }
                    importer.flush();
                }
            }
            return importer.report(err);
        } catch (UncheckedIOException e) {
            // Commons CSV's iterator reports bad syntax (a quote left open, text after a closing quote) this way
            IOException cause = e.getCause();
            if (cause instanceof CSVException syntax) {
                err.println("weft: " + name() + " is not valid CSV: " + syntax.getMessage());
                return WeftCommand.USAGE;
            }
            if (cause instanceof java.nio.charset.CharacterCodingException) {
                return notUtf8(err);
            }
            err.println("weft: reading " + name() + " failed: " + (cause == null ? e : cause).getMessage());
            return WeftCommand.CONFIG;
        } catch (java.nio.charset.CharacterCodingException e) {
            return notUtf8(err);
        } catch (IOException e) {
            err.println("weft: reading " + name() + " failed: " + e.getMessage());
            return WeftCommand.CONFIG;
        }
    }

    /** A file in another encoding: the decoder's own words were "Input length = 1". */
    private int notUtf8(PrintStream err) {
        err.println("weft: " + name() + " is not UTF-8 text: save it as UTF-8 and import it again");
        return WeftCommand.USAGE;
    }

    /** The CSV header and how many rows follow it. */
    private record CsvScan(UserColumns.Result header, long rows) {
    }

    /** Reads the header and every row once, so bad syntax stops the import before anything is written. */
    private CsvScan scanCsv() throws IOException {
        try (Reader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8);
                CSVParser parser = CSV.parse(reader)) {
            Iterator<CSVRecord> rows = parser.iterator();
            if (!rows.hasNext()) {
                return new CsvScan(UserColumns.Result.refused("the file is empty; its first line must be a header"
                        + " such as email,username,full_name,credits"), 0);
            }
            UserColumns.Result header = UserColumns.parse(rows.next().toList());
            long count = 0;
            while (rows.hasNext()) {
                rows.next();
                count++;
            }
            return new CsvScan(header, count);
        }
    }

    private long countLines() throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            return reader.lines().filter(line -> !line.isBlank()).count();
        }
    }

    private void importCsv(UserColumns columns, Importer importer) throws IOException {
        try (Reader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8);
                CSVParser parser = CSV.parse(reader)) {
            boolean header = true;
            for (CSVRecord record : parser) {
                if (header) {
                    header = false;
                    continue;
                }
                // the row number a spreadsheet shows: the header is row 1, and a multi-line field stays in its row
                importer.accept("row " + record.getRecordNumber(), () -> columns.read(record));
            }
        }
    }

    private void importNdjson(Importer importer) throws IOException {
        Json json = Json.create();
        try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String text;
            int line = 0;
            while ((text = reader.readLine()) != null) {
                line++;
                if (!text.isBlank()) {
                    String body = text;
                    importer.accept("line " + line,
                            () -> json.read(body.getBytes(StandardCharsets.UTF_8), CreateUserRequest.class));
                }
            }
        }
    }

    /** Collects valid rows into chunks and inserts them; counts what was imported and rejected. */
    private static final class Importer {
        private final ServiceContext context;
        private final ImportProgress progress;
        private final List<Row> chunk = new ArrayList<>();
        private final List<String> rejected = new ArrayList<>();
        private final Set<String> seenEmails = new HashSet<>();
        private final Set<String> seenUsernames = new HashSet<>();
        private long imported;
        private long read;

        Importer(ServiceContext context, ImportProgress progress) {
            this.context = context;
            this.progress = progress;
        }

        void accept(String position, Supplier<CreateUserRequest> parse) {
            try {
                CreateUserRequest user = parse.get();
                if (!seenEmails.add(Objects.requireNonNull(user.email()).toLowerCase(Locale.ROOT))) {
                    throw ProblemException.invalidField("email", "repeats an earlier row");
                }
                if (!seenUsernames.add(Objects.requireNonNull(user.username()))) {
                    throw ProblemException.invalidField("username", "repeats an earlier row");
                }
                chunk.add(new Row(position, user, ApiKeys.newUserKey()));
            } catch (WeftException | IllegalArgumentException e) {
                rejected.add(position + ": " + e.getMessage());
            }
            read++;
            if (chunk.size() == CHUNK) {
                flush();
            }
            progress.update(read, rejected.size());
        }

        void flush() {
            imported += insert(context, chunk, rejected);
            chunk.clear();
        }

        int report(PrintStream err) {
            err.println("weft: imported " + imported + ", rejected " + rejected.size());
            for (String reason : rejected.subList(0, Math.min(rejected.size(), SHOWN_REJECTIONS))) {
                err.println("  rejected " + reason);
            }
            if (rejected.size() > SHOWN_REJECTIONS) {
                err.println("  ... and " + (rejected.size() - SHOWN_REJECTIONS) + " more");
            }
            return rejected.isEmpty() ? 0 : WeftCommand.FAILED;
        }
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
                    rejected.add(row.position() + ": email or username already exists");
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
