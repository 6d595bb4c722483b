package dev.weft.service.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT stop {@code weft serve} the way its shutdown hook does (in-flight requests get the grace, workers
 * park, pools close), then the process exits 0, or 1 if the stop failed.
 *
 * <p>Left to the JVM, a signal runs the shutdown hooks and the process then exits with 128 + the signal's number
 * whatever the hooks did: 143 after every clean SIGTERM (130 after Ctrl-C), which systemd (without
 * {@code SuccessExitStatus=143}), {@code docker compose}, supervisors and scripts report as a failure. The handler is
 * set through {@code sun.misc.Signal} (module {@code jdk.unsupported}, open to the class path) by reflection, as javac
 * warns about the type itself under {@code -Werror}; where it cannot be set (another platform, {@code -Xrs}) the
 * JVM's own handling stays, and the shutdown hook still stops the service. A second signal while stopping is ignored:
 * the stop is bounded by the grace.
 */
final class StopSignals {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);
    private static final List<String> SIGNALS = List.of("TERM", "INT");

    private StopSignals() {
    }

    /**
     * @param stop stops the service; idempotent (the shutdown hook may call it too)
     */
    static void install(Runnable stop) {
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable onSignal = () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            // not on the JVM's signal thread: System.exit waits for the shutdown hooks, which must not wait for it.
            // Not a daemon (it would inherit that from the signal's thread): once the server's threads end, a JVM
            // with only daemon threads left ends too, and cut this stop off before the workers and pools closed
            Thread.ofPlatform().name("weft-stop").daemon(false).start(() -> {
                int code = 0;
                try {
                    stop.run();
                } catch (RuntimeException | Error e) {
                    LOG.atError().setMessage("stopping the service failed").setCause(e).log();
                    code = WeftCommand.FAILED;
                }
                System.exit(code);
            });
        };
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object proxy = Proxy.newProxyInstance(StopSignals.class.getClassLoader(), new Class<?>[] {handler},
                    new Handler(onSignal));
            Method handle = signal.getMethod("handle", signal, handler);
            for (String name : SIGNALS) {
                try {
                    handle.invoke(null, signal.getConstructor(String.class).newInstance(name), proxy);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    // IllegalArgumentException: no such signal here, or the JVM keeps it (-Xrs)
                    LOG.atDebug().setMessage("signal handler not set").addKeyValue("signal", name)
                            .setCause(e.getCause()).log();
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.atDebug().setMessage("signal handlers not set").setCause(e).log();
        }
    }

    /** {@code sun.misc.SignalHandler.handle(Signal)}, and the {@link Object} methods a proxy must answer. */
    private record Handler(Runnable onSignal) implements InvocationHandler {
        @Override
        public @Nullable Object invoke(Object proxy, Method method, @Nullable Object @Nullable [] args) {
            return switch (method.getName()) {
                case "handle" -> {
                    onSignal.run();
                    yield null;
                }
                case "equals" -> args != null && proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "weft stop signal handler";
            };
        }
    }
}
