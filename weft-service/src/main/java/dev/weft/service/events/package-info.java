/**
 * Video status changes pushed to clients as Server-Sent Events ({@code GET /videos/{video_id}/events},
 * {@code GET /events}) from the durable event log {@code video_events} ({@link dev.weft.service.data.VideoEventRepository}):
 * {@link dev.weft.service.events.EventEndpoints} (the streams, resume and limits), {@link dev.weft.service.events.EventFeed}
 * (one log reader per instance, which is how events cross instances) and {@link dev.weft.service.events.EventsConfig}.
 */
@NullMarked
package dev.weft.service.events;

import org.jspecify.annotations.NullMarked;
