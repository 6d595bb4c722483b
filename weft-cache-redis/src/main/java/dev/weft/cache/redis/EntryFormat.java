package dev.weft.cache.redis;

import java.nio.charset.StandardCharsets;

/**
 * How {@link RedisTier} stores an entry: a header {@code w1 tag=version ...\n} (just {@code w1\n} without tags), then
 * the value's JSON. The versions are those of the tags from before the value was computed; the read script compares
 * them with the current ones. Stateless.
 */
final class EntryFormat {
    private static final byte[] UNTAGGED_HEADER = "w1\n".getBytes(StandardCharsets.US_ASCII);
    /** Where the JSON of an entry without tags starts. */
    static final int UNTAGGED_HEADER_LENGTH = UNTAGGED_HEADER.length;

    private EntryFormat() {
    }

    /** @return whether {@code entry} has the header of an entry without tags */
    static boolean untagged(byte[] entry) {
        return entry.length >= UNTAGGED_HEADER_LENGTH && entry[0] == 'w' && entry[1] == '1' && entry[2] == '\n';
    }

    /** @return the header followed by {@code payload} */
    static byte[] entry(byte[] payload, String[] tags, long[] versions) {
        if (tags.length == 0) {
            byte[] entry = new byte[UNTAGGED_HEADER_LENGTH + payload.length];
            System.arraycopy(UNTAGGED_HEADER, 0, entry, 0, UNTAGGED_HEADER_LENGTH);
            System.arraycopy(payload, 0, entry, UNTAGGED_HEADER_LENGTH, payload.length);
            return entry;
        }
        StringBuilder header = new StringBuilder("w1");
        for (int i = 0; i < tags.length; i++) {
            header.append(' ').append(tags[i]).append('=').append(versions[i]);
        }
        byte[] head = header.append('\n').toString().getBytes(StandardCharsets.UTF_8);
        byte[] entry = new byte[head.length + payload.length];
        System.arraycopy(head, 0, entry, 0, head.length);
        System.arraycopy(payload, 0, entry, head.length, payload.length);
        return entry;
    }

    /** @return where the JSON starts: just after the header's newline */
    static int bodyStart(byte[] entry) {
        for (int i = 0; i < entry.length; i++) {
            if (entry[i] == '\n') {
                return i + 1;
            }
        }
        return entry.length;
    }

    /** @return the tag names in the entry's header */
    static String[] tags(byte[] entry, int bodyStart) {
        String header = new String(entry, 0, Math.max(0, bodyStart - 1), StandardCharsets.UTF_8);
        String[] parts = header.split(" ");
        String[] tags = new String[parts.length - 1];
        for (int i = 1; i < parts.length; i++) {
            int equals = parts[i].indexOf('=');
            tags[i - 1] = equals < 0 ? parts[i] : parts[i].substring(0, equals);
        }
        return tags;
    }
}
