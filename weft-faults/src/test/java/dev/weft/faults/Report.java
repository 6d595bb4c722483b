package dev.weft.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where each scenario writes what it promised and what it measured, one JSON line per promise, in the directory of
 * the {@code weft.faults.report} system property ({@code weft-faults/target/reliability}). {@code bin/faults} turns
 * the lines into {@code docs/RELIABILITY.md} ({@link ReliabilityReport}).
 */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Report() {
    }

    /**
     * Records one promise's figure. Call it before asserting, so a missed promise is in the report too.
     *
     * @param scenario the scenario, e.g. {@code database down (PostgreSQL crash 10 s)}
     * @param promise the promise in numbers, e.g. {@code 503 p99 < 100 ms from 2 s after the crash}
     * @param figure what was measured, e.g. {@code p99 12.4 ms over 812 answers}
     * @param met whether the figure keeps the promise
     */
    static synchronized void record(String scenario, String promise, String figure, boolean met) {
        Path dir = Path.of(System.getProperty("weft.faults.report", "target/reliability"));
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("scenario", scenario);
        line.put("promise", promise);
        line.put("figure", figure);
        line.put("met", met);
        line.put("at", Instant.now().toString());
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("results.jsonl"), JSON.writeValueAsString(line) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
