package dev.weft.core;

import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual-thread executors and factories, named so that thread dumps and JFR recordings point at the component
 * that started them.
 */
public final class VirtualThreads {
    private VirtualThreads() {
    }

    /**
     * @param name a prefix for the threads' names, e.g. {@code weft-db-primary}
     * @return a factory of virtual threads named {@code name-0}, {@code name-1}, ...
     */
    public static ThreadFactory factory(String name) {
        Objects.requireNonNull(name, "name");
        return Thread.ofVirtual().name(name + "-", 0).factory();
    }

    /**
     * Returns an executor that starts one virtual thread per task. The caller owns it and must close it.
     *
     * @param name a prefix for the threads' names
     * @return a new executor
     */
    public static ExecutorService newExecutor(String name) {
        return Executors.newThreadPerTaskExecutor(factory(name));
    }
}
