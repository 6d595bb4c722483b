package dev.weft.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The point in time by which the work in scope should be done, carried with a {@link ScopedValue} so that code far
 * below the caller (a connection pool, an HTTP client) can bound its own waits by it without a parameter on every
 * method. weft-service sets one per request ({@code WEFT_REQUEST_TIMEOUT}); weft-db bounds the wait for a
 * connection by it. Work run without one keeps each component's own timeouts.
 *
 * {@snippet :
 * Deadline.after(Duration.ofSeconds(5)).run(() -> handle(request));
 * // deeper down, on the same thread:
 * long waitNanos = Deadline.current().map(Deadline::remainingNanos).orElse(defaultNanos);
 * }
 *
 * <p>Immutable and thread-safe. A deadline is not inherited by threads the work starts (an executor's task runs
 * without one), except through {@link java.util.concurrent.StructuredTaskScope}.
 */
public final class Deadline {
    private static final ScopedValue<Deadline> CURRENT = ScopedValue.newInstance();
    /** The longest deadline; a longer timeout is cut to it (and {@code toNanos()} cannot overflow). */
    private static final Duration LONGEST = Duration.ofDays(365);
    private static final long LONGEST_NANOS = LONGEST.toNanos();

    private final long expiresAtNanos;

    private Deadline(long expiresAtNanos) {
        this.expiresAtNanos = expiresAtNanos;
    }

    /**
     * @param timeout how long from now; at least zero
     * @return a deadline that long from now (on the monotonic clock)
     * @throws InvalidConfigException if the timeout is negative
     */
    public static Deadline after(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new InvalidConfigException("deadline", timeout, "must not be negative");
        }
        long now = System.nanoTime();
        long nanos = timeout.compareTo(LONGEST) > 0 ? LONGEST_NANOS : timeout.toNanos();
        return new Deadline(now + nanos);
    }

    /** @return the deadline of the work running on this thread, if any; never blocks */
    public static Optional<Deadline> current() {
        return CURRENT.isBound() ? Optional.of(CURRENT.get()) : Optional.empty();
    }

    /** @return nanoseconds left until the deadline; zero or negative once it has passed */
    public long remainingNanos() {
        return expiresAtNanos - System.nanoTime();
    }

    /** @return the time left, {@link Duration#ZERO} once the deadline has passed */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, remainingNanos()));
    }

    /** @return whether the deadline has passed */
    public boolean expired() {
        return remainingNanos() <= 0;
    }

    /**
     * Runs work with this deadline in scope. Inside another deadline's scope the earlier of the two applies.
     *
     * @param work the work
     * @param <T> its result type
     * @param <X> what it may throw
     * @return its result
     * @throws X whatever the work throws
     */
    public <T, X extends Throwable> T call(ScopedValue.CallableOp<T, X> work) throws X {
        return ScopedValue.where(CURRENT, earlierOf(this)).call(work);
    }

    /**
     * Runs work with this deadline in scope; see {@link #call(ScopedValue.CallableOp)}.
     *
     * @param work the work
     */
    public void run(Runnable work) {
        ScopedValue.where(CURRENT, earlierOf(this)).run(work);
    }

    /**
     * A carrier that binds this deadline (the earlier of it and the one in scope), to bind further values in the same
     * scope: one binding per request instead of one per value, which is cheaper on a hot path.
     *
     * {@snippet :
     * deadline.carrier().where(REQUEST, state).run(chain::proceed);
     * }
     *
     * @return a carrier with this deadline bound
     */
    public ScopedValue.Carrier carrier() {
        return ScopedValue.where(CURRENT, earlierOf(this));
    }

    /**
     * A carrier that binds this deadline as it is, without looking for one in scope: for the point where work enters
     * the process (a server's first filter), where none can be bound yet. Everywhere else use {@link #carrier()},
     * which keeps an earlier enclosing deadline: this one would replace it.
     *
     * <p>Why it exists: looking for a scoped value that is not bound is never cached, so on the cheapest request the
     * look-up {@link #carrier()} makes was ~2.5 % of the time (docs/BENCHMARKS.md, issue 19).
     *
     * @return a carrier with this deadline bound
     */
    public ScopedValue.Carrier carrierAtEntry() {
        return ScopedValue.where(CURRENT, this);
    }

    private static Deadline earlierOf(Deadline candidate) {
        if (!CURRENT.isBound()) {
            return candidate;
        }
        Deadline outer = CURRENT.get();
        return outer.expiresAtNanos - candidate.expiresAtNanos < 0 ? outer : candidate;
    }

    @Override
    public String toString() {
        return "Deadline[remaining=" + remaining().toMillis() + " ms]";
    }
}
