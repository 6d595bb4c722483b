package dev.weft.faults;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * Asks one URL at a fixed interval on a virtual thread of its own (the way a load balancer probes
 * {@code /health/ready}) and records each answer, or its absence, in a {@link History} as op {@code probe}.
 */
final class Prober implements AutoCloseable {
    private final History history = new History();
    private final Thread thread;
    private volatile boolean running = true;

    private Prober(Http http, String url, Duration interval) {
        thread = Thread.ofVirtual().name("prober").start(() -> {
            while (running) {
                long start = System.nanoTime();
                Http.Answer answer;
                try {
                    answer = http.get(url, Map.of());
                } catch (IOException e) {
                    answer = null;
                } catch (InterruptedException e) {
                    return;
                }
                history.record("prober", "probe", url, start, answer, answer == null ? null : answer.body());
                long left = interval.toNanos() - (System.nanoTime() - start);
                if (left > 0) {
                    try {
                        Thread.sleep(Duration.ofNanos(left));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        });
    }

    /**
     * @param http the client (its timeout bounds each probe)
     * @param url what to probe
     * @param interval from the start of one probe to the next
     * @return the running prober
     */
    static Prober every(Http http, String url, Duration interval) {
        return new Prober(http, url, interval);
    }

    /** @return the probes so far */
    History history() {
        return history;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
    }
}
