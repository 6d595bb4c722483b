package dev.weft.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.service.ops.DocsModule;
import dev.weft.service.settings.Repository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/API.md}, the HTTP contract, names exactly the operations of {@code /openapi.json} (which
 * {@link OpenApiTest} holds to the server's route table), so a route cannot be added or dropped without the contract.
 */
class ApiDocsTest {
    private static final String METHODS = "GET|POST|PUT|PATCH|DELETE";
    /** {@code `GET /users/{id}`} anywhere, a query string ({@code ?days=30}) left off. */
    private static final Pattern OPERATION = Pattern.compile("`(" + METHODS + ") (/[^`\\s?]*)");
    /** In a table's first cell, {@code `GET /a`, `/b`}: {@code /b} takes the method before it; a query is left off. */
    private static final Pattern CELL_PATH = Pattern.compile("`(?:(" + METHODS + ") )?(/[^`?]*)[^`]*`");

    @Test
    void apiMdNamesExactlyTheOperationsOfTheOpenApiDescription() throws Exception {
        String contract = Files.readString(Repository.root().resolve("docs/API.md"), StandardCharsets.UTF_8);
        JsonNode spec = new ObjectMapper().readTree(DocsModule.load());
        Set<String> described = new TreeSet<>();
        spec.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            String method = operation.getKey().toUpperCase(Locale.ROOT);
            if (method.matches(METHODS)) {
                described.add(method + " " + normalized(path.getKey()));
            }
        }));

        assertThat(documented(contract)).as("operations in docs/API.md vs /openapi.json").isEqualTo(described);
    }

    private static Set<String> documented(String contract) {
        Set<String> operations = new TreeSet<>();
        Matcher operation = OPERATION.matcher(contract);
        while (operation.find()) {
            operations.add(operation.group(1) + " " + normalized(operation.group(2)));
        }
        for (String line : contract.split("\n")) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String method = null;
            Matcher path = CELL_PATH.matcher(line.split(" \\| ")[0]);
            while (path.find()) {
                method = path.group(1) != null ? path.group(1) : method;
                if (method != null) {
                    operations.add(method + " " + normalized(path.group(2)));
                }
            }
        }
        return operations;
    }

    /** Path parameters compared by position only: the contract says {@code {video_id}} where the spec may not. */
    private static String normalized(String path) {
        return path.replaceAll("\\{[^}]+}", "{}");
    }
}
