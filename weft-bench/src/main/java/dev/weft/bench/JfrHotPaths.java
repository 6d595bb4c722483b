package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import org.jspecify.annotations.Nullable;

/**
 * Where the CPU goes in a JFR recording of weft-service under load: the Java execution samples
 * ({@code jdk.ExecutionSample}) counted by their top frame (self time) and by the parts of the request path that
 * appear anywhere on the stack (inclusive time: auth, rate limit, access log, metrics, weft-db, pgjdbc, Jackson,
 * ...). A sample counts once per part, so the parts overlap (weft-db contains pgjdbc). Only Java frames are
 * sampled: GC and JIT compiler threads do not appear. Usage: {@code JfrHotPaths <recording.jfr> [top]}.
 */
public final class JfrHotPaths {
    private JfrHotPaths() {
    }

    /** A part of the request path, recognised by any frame on the stack. */
    private record Part(String label, Predicate<String> frame) {
    }

    private static final List<Part> PARTS = List.of(
            new Part("weft edge (RequestIdFilter.filter: filters, routing, handler)",
                    f -> f.startsWith("dev.weft.service.http.RequestIdFilter.filter")),
            new Part("  auth: ApiKeys.authenticate (SHA-256 + hex + constant-time compare)",
                    f -> f.startsWith("dev.weft.service.ApiKeys.authenticate")),
            new Part("  rate limit: RateLimiter.tryAcquire (weft-core TokenBuckets)",
                    f -> f.startsWith("dev.weft.service.http.RateLimiter.tryAcquire")),
            new Part("  request id: UUID.randomUUID (SecureRandom)", f -> f.startsWith("java.util.UUID.randomUUID")),
            new Part("  logging: logback (access log line, JSON encoder, console appender)",
                    f -> f.startsWith("ch.qos.logback.")),
            new Part("  MDC put/remove", f -> f.contains(".MDC.") || f.contains("MDCAdapter")),
            new Part("  metrics: Micrometer", f -> f.startsWith("io.micrometer.")),
            new Part("  weft-db (query, mapping, pool gate; includes pgjdbc and Hikari below)",
                    f -> f.startsWith("dev.weft.db.")),
            new Part("    pgjdbc", f -> f.startsWith("org.postgresql.")),
            new Part("    HikariCP (its proxies wrap pgjdbc calls, so this includes most of pgjdbc)",
                    f -> f.startsWith("com.zaxxer.hikari.")),
            new Part("  JSON: Jackson", f -> f.startsWith("com.fasterxml.jackson.")),
            new Part("carrier compensation (ForkJoinPool: a virtual thread blocked while pinned)",
                    f -> f.contains("ForkJoinPool.beginCompensatedBlock")
                            || f.contains("ForkJoinPool.endCompensatedBlock")),
            new Part("socket I/O (sun.nio.ch, java.net)",
                    f -> f.startsWith("sun.nio.ch.") || f.startsWith("java.net.")));

    /** Library layers for the exclusive split, first match wins; JDK frames count for the library that called them. */
    private static final List<Map.Entry<String, String>> LAYERS = List.of(
            Map.entry("org.postgresql.", "pgjdbc"),
            Map.entry("com.zaxxer.hikari.", "HikariCP"),
            Map.entry("dev.weft.db.", "weft-db"),
            Map.entry("dev.weft.cache.redis.", "weft-cache-redis"),
            Map.entry("dev.weft.cache.", "weft-cache"),
            Map.entry("dev.weft.core.", "weft-core"),
            Map.entry("dev.weft.service.", "weft-service"),
            Map.entry("ch.qos.logback.", "logback"),
            Map.entry("org.slf4j.", "slf4j"),
            Map.entry("com.fasterxml.jackson.", "Jackson"),
            Map.entry("io.micrometer.", "Micrometer"),
            Map.entry("io.github.bucket4j.", "Bucket4j"),
            Map.entry("com.github.benmanes.caffeine.", "Caffeine"),
            Map.entry("io.github.resilience4j.", "Resilience4j"),
            Map.entry("io.helidon.", "Helidon"));

    private static final String HELIDON_OUTSIDE = "Helidon outside weft's handler (HTTP parsing, writing, connection)";

    /**
     * @param args the recording, then optionally how many top frames to print (default 25)
     * @throws IOException if the recording cannot be read
     */
    public static void main(String[] args) throws IOException {
        Locale.setDefault(Locale.ROOT);
        if (args.length < 1) {
            System.err.println("usage: JfrHotPaths <recording.jfr> [top]");
            System.exit(2);
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> selfPackage = new HashMap<>();
        Map<String, Integer> parts = new LinkedHashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> layers = new HashMap<>();
        Map<String, Map<String, Integer>> callers = new HashMap<>();
        PARTS.forEach(part -> parts.put(part.label(), 0));
        parts.put(HELIDON_OUTSIDE, 0);
        int samples = 0;
        try (RecordingFile recording = new RecordingFile(Path.of(args[0]))) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                threads.merge(threadKind(event.getThread("sampledThread")), 1, Integer::sum);
                List<String> frames = new ArrayList<>();
                for (RecordedFrame frame : stack.getFrames()) {
                    frames.add(name(frame));
                }
                String first = frames.getFirst();
                self.merge(first, 1, Integer::sum);
                callers.computeIfAbsent(first, key -> new HashMap<>()).merge(caller(frames), 1, Integer::sum);
                selfPackage.merge(packageOf(first), 1, Integer::sum);
                Set<String> seen = new LinkedHashSet<>();
                for (String frame : frames) {
                    for (Part part : PARTS) {
                        if (part.frame().test(frame)) {
                            seen.add(part.label());
                        }
                    }
                }
                seen.forEach(label -> parts.merge(label, 1, Integer::sum));
                layers.merge(layer(frames), 1, Integer::sum);
                if (frames.stream().anyMatch(f -> f.startsWith("io.helidon."))
                        && frames.stream().noneMatch(f -> f.startsWith("dev.weft.service.http.RequestIdFilter.filter"))) {
                    parts.merge(HELIDON_OUTSIDE, 1, Integer::sum);
                }
            }
        }
        System.out.printf("JFR %s: %d Java execution samples (stacks truncated at the recording's stack depth)%n%n",
                args[0], samples);
        if (samples == 0) {
            return;
        }
        System.out.println("Inclusive share of samples (a sample counts once per part; parts overlap):");
        for (Map.Entry<String, Integer> part : parts.entrySet()) {
            System.out.printf("  %6.1f %%  %s%n", 100.0 * part.getValue() / samples, part.getKey());
        }
        System.out.println();
        System.out.println("Exclusive split by library (the topmost library frame; JDK frames count for their "
                + "caller):");
        print(layers, samples, 20);
        System.out.println();
        System.out.println("Samples by thread:");
        print(threads, samples, 10);
        System.out.println();
        System.out.println("Self time by package of the top frame:");
        print(selfPackage, samples, 15);
        System.out.println();
        System.out.println("Self time by top frame (method), with the non-JDK caller that led to it most often:");
        List<Map.Entry<String, Integer>> topFrames = self.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top).toList();
        for (Map.Entry<String, Integer> frame : topFrames) {
            Map.Entry<String, Integer> caller = callers.get(frame.getKey()).entrySet().stream()
                    .max(Map.Entry.comparingByValue()).orElseThrow();
            System.out.printf("  %6.1f %%  %6d  %s%n                   <- %s (%d of %d)%n",
                    100.0 * frame.getValue() / samples, frame.getValue(), frame.getKey(), caller.getKey(),
                    caller.getValue(), frame.getValue());
        }
    }

    private static void print(Map<String, Integer> counts, int samples, int limit) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .forEach(entry -> System.out.printf("  %6.1f %%  %6d  %s%n", 100.0 * entry.getValue() / samples,
                        entry.getValue(), entry.getKey()));
    }

    /** The first frame below the top that is not the JDK's, i.e. the library code that made the JDK call. */
    private static String caller(List<String> frames) {
        for (String frame : frames.subList(1, frames.size())) {
            if (!frame.startsWith("java.") && !frame.startsWith("jdk.") && !frame.startsWith("sun.")) {
                return frame;
            }
        }
        return "(JDK only)";
    }

    private static String layer(List<String> frames) {
        for (String frame : frames) {
            for (Map.Entry<String, String> layer : LAYERS) {
                if (frame.startsWith(layer.getKey())) {
                    return layer.getValue();
                }
            }
        }
        return "JDK only (no library frame on the stack)";
    }

    private static String name(RecordedFrame frame) {
        var method = frame.getMethod();
        return method == null ? "?" : method.getType().getName() + "." + method.getName();
    }

    private static String packageOf(String frame) {
        int method = frame.lastIndexOf('.');
        String type = method > 0 ? frame.substring(0, method) : frame;
        int dot = type.lastIndexOf('.');
        return dot > 0 ? type.substring(0, dot) : type;
    }

    private static String threadKind(@Nullable RecordedThread thread) {
        if (thread == null) {
            return "?";
        }
        String name = thread.getJavaName() == null ? thread.getOSName() : thread.getJavaName();
        if (thread.isVirtual()) {
            return "virtual threads";
        }
        return name == null ? "?" : name.replaceAll("[0-9]+", "N");
    }
}
