package dev.weft.faults;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;

/**
 * One reader per instance reading {@code /user-profile/{id}} in a tight loop, every read recorded in a
 * {@link History}, until {@link #close()}. Which user each reader reads next comes from a function of its read
 * count, so a scenario can have them follow the user being written or go round all of them.
 */
final class ReadLoops implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final List<AtomicLong> done = new ArrayList<>();
    private volatile boolean stopped;

    private ReadLoops() {
    }

    /**
     * @param cluster the cluster
     * @param history where the reads go
     * @param on the instances to read on, one reader each
     * @param userForRead the user id of a reader's n-th read
     * @return the running readers
     */
    static ReadLoops start(ProfileCluster cluster, History history, List<ServiceProcess> on,
            IntToLongFunction userForRead) {
        ReadLoops loops = new ReadLoops();
        for (ServiceProcess instance : on) {
            AtomicLong count = new AtomicLong();
            loops.done.add(count);
            loops.threads.add(Thread.ofVirtual().name("reader-" + instance.name()).start(() -> {
                Http http = new Http(Duration.ofSeconds(5));
                AtomicInteger reads = new AtomicInteger();
                while (!loops.stopped) {
                    try {
                        cluster.read(http, history, instance, userForRead.applyAsLong(reads.getAndIncrement()));
                        count.incrementAndGet();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        return loops;
    }

    /**
     * Waits until every reader has finished {@code reads} more reads than now: all but the one in flight began
     * after this call.
     *
     * @param reads how many more reads each reader must finish
     * @param atMost the bound
     */
    void awaitReads(int reads, Duration atMost) {
        long[] from = done.stream().mapToLong(AtomicLong::get).toArray();
        await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
            for (int i = 0; i < from.length; i++) {
                if (done.get(i).get() < from[i] + reads) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Stops the readers and waits for their last read (at most the client timeout). */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            if (!thread.join(Duration.ofSeconds(10))) {
                thread.interrupt();
            }
        }
    }
}
