package dev.weft.faults;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code weft provider}, the standalone video provider with injected faults ({@code --fail-rate},
 * {@code --reset-rate}, {@code --rate-limit}, {@code --latency}, {@code --seed}, ...), in a child JVM. Its
 * {@code GET /stats} counts calls per idempotency key, which is how a scenario proves no provider job ran twice.
 */
final class ProviderProcess implements AutoCloseable {
    private final ChildJvm jvm;
    private final int port;

    private ProviderProcess(ChildJvm jvm, int port) {
        this.jvm = jvm;
        this.port = port;
    }

    /**
     * Starts a provider and waits until {@code /health} answers.
     *
     * @param workDir where its log goes
     * @param flags fault flags, e.g. {@code --fail-rate 0.25}
     * @return the running provider
     */
    static ProviderProcess start(Path workDir, String... flags) {
        int port = ServiceProcess.freePort();
        List<String> args = new ArrayList<>(List.of("provider", "--port", Integer.toString(port)));
        args.addAll(List.of(flags));
        ChildJvm jvm = ChildJvm.start("dev.weft.service.Main", args, "256m", Map.of(),
                workDir.resolve("provider-" + port + ".log"));
        ProviderProcess provider = new ProviderProcess(jvm, port);
        Http http = new Http(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            if (!jvm.alive()) {
                throw new IllegalStateException("the provider exited:\n" + jvm.output());
            }
            return http.get(provider.url("/health"), Map.of()).status() == 200;
        });
        return provider;
    }

    /** @return the port */
    int port() {
        return port;
    }

    /** @param path a path @return its URL on this provider */
    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** @return the provider's output */
    String output() {
        return jvm.output();
    }

    @Override
    public void close() {
        jvm.close();
    }
}
