package dev.weft.http;

import org.jspecify.annotations.Nullable;

/**
 * One event of a {@code text/event-stream} response.
 *
 * @param id the {@code id:} field, or {@code null}
 * @param event the {@code event:} field, {@code "message"} when absent
 * @param data the {@code data:} lines joined by newlines
 */
public record ServerSentEvent(@Nullable String id, String event, String data) {
}
