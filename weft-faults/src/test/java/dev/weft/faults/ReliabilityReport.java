package dev.weft.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Renders the scenarios' results ({@link Report}) as {@code docs/RELIABILITY.md}: scenario, promise, figure, met,
 * date. A JUnit launcher-session listener: when the test run ends and the {@code weft.faults.markdown} system
 * property names a file (the {@code faults} profile, that is {@code bin/faults}, sets it), it writes that file from
 * this run's results.
 */
public final class ReliabilityReport implements LauncherSessionListener {
    /** Made by the JUnit platform through {@code META-INF/services}. */
    public ReliabilityReport() {
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        String markdown = System.getProperty("weft.faults.markdown", "");
        Path results = Path.of(System.getProperty("weft.faults.report", "target/reliability"));
        if (markdown.isBlank() || !Files.exists(results.resolve("results.jsonl"))) {
            return;
        }
        String commit = Commands.tryRun(10, "git", "-C", Path.of(markdown).getParent().toString(), "rev-parse",
                "--short", "HEAD").output().trim();
        try {
            write(results, Path.of(markdown), commit.isEmpty() ? "unknown" : commit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param resultsDir the results directory
     * @param target the Markdown file to write
     * @param commit the commit measured
     * @throws IOException if a file cannot be read or written
     */
    static void write(Path resultsDir, Path target, String commit) throws IOException {
        Path results = resultsDir.resolve("results.jsonl");
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(results, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                rows.add(json.readTree(line));
            }
        }
        long missed = rows.stream().filter(row -> !row.path("met").asBoolean()).count();
        StringBuilder out = new StringBuilder();
        out.append("# weft reliability: the whole-system fault suite\n\n");
        out.append("Written by `bin/faults` (every scenario of `weft-faults`, the real service in child JVMs against\n");
        out.append("servers of the suite's own, faults injected, histories checked). Commit `").append(commit)
                .append("`; ").append(rows.size()).append(" promises, ").append(missed).append(" missed.\n");
        out.append("A figure is from one run on a shared 2-core machine; compare figures within one run only.\n\n");
        out.append("| scenario | promise | figure | met | date (UTC) |\n|---|---|---|---|---|\n");
        for (JsonNode row : rows) {
            out.append("| ").append(cell(row.path("scenario").asText())).append(" | ")
                    .append(cell(row.path("promise").asText())).append(" | ")
                    .append(cell(row.path("figure").asText())).append(" | ")
                    .append(row.path("met").asBoolean() ? "yes" : "**no**").append(" | ")
                    .append(row.path("at").asText().replace('T', ' ').replaceAll("\\.\\d+Z$", "")).append(" |\n");
        }
        Files.writeString(target, out.toString(), StandardCharsets.UTF_8);
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
