package dev.weft.cache;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Cache} that wraps each call of another in an INTERNAL span when the caller is in a trace; see
 * {@link CacheTracing}. Thread-safe as its delegate is.
 */
final class TracedCache implements Cache {
    static final String INSTRUMENTATION = "dev.weft.cache";
    static final AttributeKey<String> NAME = AttributeKey.stringKey("cache.name");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("cache.operation");
    static final AttributeKey<Boolean> HIT = AttributeKey.booleanKey("cache.hit");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private final Cache delegate;
    private final Tracer tracer;

    TracedCache(Cache delegate, Tracer tracer) {
        this.delegate = delegate;
        this.tracer = tracer;
    }

    Cache delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public <T> Optional<T> get(String key, Class<T> type) {
        if (outsideTrace()) {
            return delegate.get(key, type);
        }
        return traced("get", () -> delegate.get(key, type), Optional::isPresent);
    }

    @Override
    public <T> Optional<T> get(String key, TypeRef<T> type) {
        if (outsideTrace()) {
            return delegate.get(key, type);
        }
        return traced("get", () -> delegate.get(key, type), Optional::isPresent);
    }

    @Override
    public void put(String key, Object value, Duration ttl, Set<String> tags) {
        traced("put", () -> delegate.put(key, value, ttl, tags));
    }

    /** {@code cache.hit} is false when this call ran the loader, true when it was answered without loading here. */
    @Override
    public <T extends @Nullable Object> T getOrLoad(String key, TypeRef<T> type, Duration ttl, Set<String> tags,
            Supplier<? extends T> loader) {
        Span span = start("getOrLoad");
        if (span == null) {
            return delegate.getOrLoad(key, type, ttl, tags, loader);
        }
        boolean[] loaded = new boolean[1];
        try (Scope _ = span.makeCurrent()) {
            T value = delegate.getOrLoad(key, type, ttl, tags, () -> {
                loaded[0] = true;
                return loader.get();
            });
            span.setAttribute(HIT, !loaded[0]);
            return value;
        } catch (RuntimeException | Error e) {
            span.setAttribute(HIT, !loaded[0]);
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    @Override
    public void invalidate(String key) {
        traced("invalidate", () -> delegate.invalidate(key));
    }

    @Override
    public void invalidateTag(String tag) {
        traced("invalidateTag", () -> delegate.invalidateTag(tag));
    }

    @Override
    public long invalidateTags(String pattern) {
        if (outsideTrace()) {
            return delegate.invalidateTags(pattern);
        }
        return traced("invalidateTags", () -> delegate.invalidateTags(pattern), null);
    }

    @Override
    public void clear() {
        traced("clear", delegate::clear);
    }

    @Override
    public CacheStats stats() {
        return delegate.stats();
    }

    @Override
    public Map<String, CacheStats> tierStats() {
        return delegate.tierStats();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }

    private void traced(String operation, Runnable call) {
        if (outsideTrace()) {
            call.run();
            return;
        }
        traced(operation, () -> {
            call.run();
            return null;
        }, null);
    }

    /**
     * Runs a call in its span.
     *
     * @param hit what {@code cache.hit} is for the call's result, or {@code null} when the call has no hit
     */
    private <R extends @Nullable Object> R traced(String operation, Supplier<R> call,
            @Nullable Predicate<R> hit) {
        Span span = Objects.requireNonNull(start(operation));
        try (Scope _ = span.makeCurrent()) {
            R result = call.get();
            if (hit != null) {
                span.setAttribute(HIT, hit.test(result));
            }
            return result;
        } catch (RuntimeException | Error e) {
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** @return whether no span is current (one {@code ThreadLocal} read): then a call makes no span */
    private static boolean outsideTrace() {
        return !Span.current().getSpanContext().isValid();
    }

    /** The call's span, or {@code null} outside a trace (one {@code ThreadLocal} read). */
    private @Nullable Span start(String operation) {
        if (!Span.current().getSpanContext().isValid()) {
            return null;
        }
        return tracer.spanBuilder(operation + " " + delegate.name()).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(NAME, delegate.name()).setAttribute(OPERATION, operation).startSpan();
    }

    /** Marks the span failed by the exception's class only: its message may quote a key or a value. */
    private static void failed(Span span, Throwable error) {
        span.setStatus(StatusCode.ERROR);
        span.setAttribute(ERROR_TYPE, error.getClass().getName());
    }
}
