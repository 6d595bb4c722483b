package dev.weft.faults;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds what must never reach a client in a problem body: Java class names (a package path, an exception's simple
 * name), internal addresses ({@code host:port}, a loopback or private IP) and SQL.
 */
final class ProblemLeaks {
    private static final Pattern LEAK = Pattern.compile(
            "\\b(?:java|javax|jdk|sun|dev\\.weft|org|com|io)\\.[a-z][A-Za-z0-9_]*\\.[A-Za-z]" // package.path.Class
            + "|[A-Z][A-Za-z0-9]*(?:Exception|Error)\\b" // SQLException, PSQLException, ...
            + "|\\b(?:127\\.\\d+|10\\.\\d+|192\\.168|172\\.(?:1[6-9]|2\\d|3[01]))\\.\\d+\\.\\d+\\b" // private IPs
            + "|\\blocalhost\\b|\\b[a-z][a-z0-9.-]*:\\d{2,5}\\b" // host:port
            + "|\\b(?:SELECT|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM)\\b"); // SQL

    private ProblemLeaks() {
    }

    /**
     * @param bodies problem bodies a scenario saw
     * @return each leak found, with the start of the body it was in
     */
    static List<String> in(Collection<String> bodies) {
        List<String> leaks = new ArrayList<>();
        for (String body : bodies) {
            var matcher = LEAK.matcher(body);
            if (matcher.find()) {
                leaks.add("'" + matcher.group() + "' in " + (body.length() > 300 ? body.substring(0, 300) : body));
            }
        }
        return leaks;
    }
}
