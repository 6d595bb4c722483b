package dev.weft.service.videos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.service.Exchange;
import dev.weft.service.Json;
import dev.weft.service.ProblemException;
import dev.weft.service.Validation;
import dev.weft.service.webhooks.WebhookUrlPolicy;
import io.helidon.http.HeaderNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code multipart/form-data} body of {@code POST /process-video} ({@code video}, {@code options},
 * {@code user_id}, {@code callback_url}) into an {@link Upload}: the file is streamed to a staging file while its SHA-256 is computed;
 * anything invalid is a 400 naming the field, and the staging file is deleted.
 *
 * <p>Thread-safe: it keeps no state between requests.
 */
final class UploadForm {
    /** Largest {@code options} part. */
    static final int MAX_OPTIONS_BYTES = 16 * 1024;
    private static final String DEFAULT_FILENAME = "upload";

    /** Largest {@code callback_url} part (the URL policy then allows at most its own length). */
    static final int MAX_CALLBACK_URL_BYTES = 4096;

    private final Json json;
    private final long maxUpload;
    private final WebhookUrlPolicy callbacks;

    /**
     * @param json the JSON mapper
     * @param maxUpload the largest file accepted
     * @param callbacks checks a {@code callback_url} as a webhook URL is checked at registration
     */
    UploadForm(Json json, long maxUpload, WebhookUrlPolicy callbacks) {
        this.json = Objects.requireNonNull(json, "json");
        this.maxUpload = maxUpload;
        this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
    }

    /**
     * @param exchange the request
     * @param staging the file the video is written to; deleted if the form is invalid
     * @return the upload
     * @throws IOException if the body cannot be read
     */
    Upload read(Exchange exchange, Path staging) throws IOException {
        String contentType = exchange.request().headers().first(HeaderNames.CONTENT_TYPE).orElse(null);
        boolean done = false;
        try (InputStream body = exchange.bodyStream()) { // a stalled upload is cut off (ClientDisconnects)
            MultipartReader reader = MultipartReader.open(body, contentType);
            String filename = null;
            long size = -1;
            String sha = null;
            String options = null;
            Long userId = null;
            String callbackUrl = null;
            Optional<MultipartReader.Part> next;
            while ((next = reader.next()).isPresent()) {
                MultipartReader.Part part = next.get();
                switch (part.name()) {
                    case "video" -> {
                        if (size >= 0) {
                            throw ProblemException.invalidField("video", "only one video file may be sent");
                        }
                        if (part.filename() == null) {
                            throw ProblemException.invalidField("video", "must be a file part (with a filename)");
                        }
                        MessageDigest digest = sha256();
                        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(staging), digest)) {
                            size = reader.copyTo(out, maxUpload);
                        } catch (MultipartReader.TooLarge e) {
                            throw tooLarge();
                        }
                        sha = HexFormat.of().formatHex(digest.digest());
                        filename = filename(part.filename());
                    }
                    case "options" -> {
                        if (options != null) {
                            throw ProblemException.invalidField("options", "only one options part may be sent");
                        }
                        options = options(small(reader, MAX_OPTIONS_BYTES, "options"));
                    }
                    case "user_id" -> {
                        if (userId != null) {
                            throw ProblemException.invalidField("user_id", "only one user_id may be sent");
                        }
                        userId = userId(small(reader, 32, "user_id"));
                    }
                    case "callback_url" -> {
                        if (callbackUrl != null) {
                            throw ProblemException.invalidField("callback_url", "only one callback_url may be sent");
                        }
                        // a 400 here deletes the staging file: nothing is stored for a refused callback
                        callbackUrl = callbacks.checkRegistration("callback_url", new String(
                                small(reader, MAX_CALLBACK_URL_BYTES, "callback_url"), StandardCharsets.UTF_8)
                                .strip()).toString();
                    }
                    default -> throw ProblemException.invalid("unknown_field", "unknown form field",
                            List.of(new ProblemException.FieldError(part.name().length() > 64
                                    ? part.name().substring(0, 64) : part.name(), "unknown field")));
                }
            }
            if (size < 0) {
                throw ProblemException.invalidField("video", "a video file is required");
            }
            if (size == 0) {
                throw ProblemException.invalid("empty_file", "the video file is empty",
                        List.of(new ProblemException.FieldError("video", "must not be empty")));
            }
            done = true;
            return new Upload(staging, Objects.requireNonNull(filename), size, Objects.requireNonNull(sha), options,
                    userId, callbackUrl);
        } finally {
            if (!done) {
                Files.deleteIfExists(staging);
            }
        }
    }

    /** @return the 413 for a file over the limit (a status {@code ErrorKind} does not name) */
    ProblemException tooLarge() {
        return ProblemException.of(413, "payload_too_large", "the video is larger than " + maxUpload + " bytes");
    }

    private static byte[] small(MultipartReader reader, int limit, String field) throws IOException {
        try {
            return reader.readSmall(limit);
        } catch (MultipartReader.TooLarge e) {
            throw ProblemException.invalid("field_too_large", field + " is larger than " + limit + " bytes",
                    List.of(new ProblemException.FieldError(field, "at most " + limit + " bytes")));
        }
    }

    private String options(byte[] bytes) {
        JsonNode node;
        try {
            // decimals kept as written: read as doubles, 1e400 was stored as the string "Infinity" and 1.10 as 1.1
            node = json.readExact(bytes, JsonNode.class);
        } catch (ProblemException e) {
            throw ProblemException.invalid("invalid_options", "options must be a JSON object",
                    List.of(new ProblemException.FieldError("options", "not valid JSON")));
        }
        if (node == null || !node.isObject()) {
            throw ProblemException.invalid("invalid_options", "options must be a JSON object",
                    List.of(new ProblemException.FieldError("options", "must be a JSON object")));
        }
        if (Validation.jsonTextProblem(node) != null) {
            throw ProblemException.invalid("invalid_options",
                    "options must not contain NUL characters or unpaired surrogates",
                    List.of(new ProblemException.FieldError("options", "contains NUL or an unpaired surrogate")));
        }
        return new String(json.write(node), StandardCharsets.UTF_8);
    }

    private static Long userId(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).trim();
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(text) < 1) {
            throw ProblemException.invalidField("user_id", "must be a positive integer");
        }
        return Long.parseLong(text);
    }

    /**
     * A clean file name: the last path segment, no control characters and no bidirectional overrides, at most 255
     * characters. An override (U+202E) makes {@code invoice\u202Egpj.exe} read as {@code invoiceexe.jpg} wherever
     * the name is shown; other format characters (joiners inside emoji and scripts) are kept.
     */
    static String filename(@Nullable String raw) {
        if (raw == null) {
            return DEFAULT_FILENAME;
        }
        String name = raw.replace('\\', '/');
        name = name.substring(name.lastIndexOf('/') + 1);
        StringBuilder clean = new StringBuilder();
        name.codePoints().filter(c -> !Character.isISOControl(c) && c != 0x2028 && c != 0x2029 && !bidiControl(c))
                .limit(255).forEach(clean::appendCodePoint);
        String out = clean.toString().strip();
        return out.isEmpty() || out.equals(".") || out.equals("..") ? DEFAULT_FILENAME : out;
    }

    /** The Unicode bidirectional formatting characters (UAX #9): marks, embeddings, overrides and isolates. */
    private static boolean bidiControl(int c) {
        return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
