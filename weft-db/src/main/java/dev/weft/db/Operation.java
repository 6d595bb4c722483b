package dev.weft.db;

import dev.weft.db.internal.QueryRecorder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One database operation as the stages see it: its id, what it runs, and what happened to its connection on the
 * current attempt. Created by {@link OperationLog#begin}; confined to the thread that runs the operation.
 */
final class Operation {
    final long id = QueryRecorder.nextId();
    final String type;
    final String sql;
    final long start = System.nanoTime();
    /** The timeout that cancelled the current attempt's statement, if one did. */
    @Nullable Duration timedOutAfter;
    /** Whether the current attempt left its connection unfit for reuse; the lease then evicts it. */
    boolean broken;
    /** Whether it runs in one transaction that weft commits, so a failure before COMMIT committed nothing. */
    boolean atomic;
    /** Its trace span, or {@code null} when it runs outside a trace. */
    final @Nullable Span span;
    /** The scope that makes a transaction's span the parent of its statements' spans; closed where it ends. */
    @Nullable Scope scope;

    Operation(String type, String sql, @Nullable Span span) {
        this.type = type;
        this.sql = sql;
        this.span = span;
    }

    /** Forgets what the previous attempt left: a retry starts on a fresh connection. */
    void newAttempt() {
        timedOutAfter = null;
        broken = false;
    }

    /** @return the type and id, for messages: {@code query q-00000012} */
    String describe() {
        return type + " " + QueryRecorder.label(id);
    }
}
