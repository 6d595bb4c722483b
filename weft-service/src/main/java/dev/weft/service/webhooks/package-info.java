/**
 * Webhooks: users register HTTPS URLs for video events and a job may name a {@code callback_url}; every matching
 * status change writes a delivery in its own transaction (an outbox) that the job workers send, signed by the
 * Standard Webhooks scheme, retried with backoff, and only ever to an address the URL policy allows.
 */
@NullMarked
package dev.weft.service.webhooks;

import org.jspecify.annotations.NullMarked;
