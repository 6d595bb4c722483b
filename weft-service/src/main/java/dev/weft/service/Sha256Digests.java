package dev.weft.service;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * SHA-256 digests kept ready for reuse. Every authenticated request hashes its key; a fresh digest per request (a
 * clone of a ready one) allocated its whole state, ~500 bytes, a tenth of what an authenticated cache hit allocates
 * in weft's own code. Shared by all threads (a virtual thread per connection would make a per-thread digest useless):
 * a fixed row of slots, where taking empties a slot and giving back fills an empty one, lock-free; when every slot is
 * taken a caller clones a new digest, and one given back to a full row is dropped.
 *
 * <p>Thread-safe.
 */
final class Sha256Digests {
    private static final int SLOTS = 16;
    private static final MessageDigest PROTOTYPE = prototype();

    private final AtomicReferenceArray<MessageDigest> slots = new AtomicReferenceArray<>(SLOTS);

    /**
     * @param input the bytes to hash
     * @return their SHA-256
     */
    byte[] digest(byte[] input) {
        MessageDigest digest = take();
        byte[] hash = digest.digest(input); // digest() also resets it for the next caller
        give(digest);
        return hash;
    }

    private MessageDigest take() {
        // start at a slot of the thread's own, so that callers on several carriers rarely meet on one slot
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i < SLOTS; i++) {
            int slot = (start + i) & (SLOTS - 1);
            if (slots.get(slot) != null) {
                MessageDigest digest = slots.getAndSet(slot, null);
                if (digest != null) {
                    return digest;
                }
            }
        }
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests are cloneable", e);
        }
    }

    private void give(MessageDigest digest) {
        int start = (int) Thread.currentThread().threadId();
        for (int i = 0; i < SLOTS; i++) {
            if (slots.compareAndSet((start + i) & (SLOTS - 1), null, digest)) {
                return;
            }
        }
    }

    private static MessageDigest prototype() {
        try {
            // a clone of a ready digest: MessageDigest.getInstance looks up the provider and checks the algorithm
            // constraints on every call
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
