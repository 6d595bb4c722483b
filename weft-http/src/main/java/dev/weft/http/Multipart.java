package dev.weft.http;

import dev.weft.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The parts of a {@code multipart/form-data} body: text fields and files. Files are read from disk while the
 * request is sent, never loaded whole, so a 1 GiB upload needs no 1 GiB heap. Immutable once built; thread-safe.
 * {@snippet :
 * Multipart form = Multipart.builder().file("video", Path.of("clip.mp4"), "video/mp4").field("options", "{}").build();
 * api.post("/upload").multipart(form).send();
 * }
 *
 * @param parts the parts in order
 */
public record Multipart(List<Part> parts) {

    /**
     * Copies the parts.
     *
     * @throws InvalidInputException if there is none
     */
    public Multipart {
        parts = List.copyOf(parts);
        if (parts.isEmpty()) {
            throw new InvalidInputException("invalid_body", "body", "a multipart body needs at least one part");
        }
    }

    /**
     * Returns a builder.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** One part of the form. */
    public sealed interface Part {
        /**
         * Returns the form field name.
         *
         * @return the form field name
         */
        String name();
    }

    /**
     * A text field.
     *
     * @param name the field name
     * @param value the value, sent as UTF-8 text
     * @param contentType the media type of the part
     */
    public record Field(String name, String value, String contentType) implements Part {
        /** Checks for null. */
        public Field {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(contentType, "contentType");
        }
    }

    /**
     * A file streamed from disk.
     *
     * @param name the field name
     * @param path the file
     * @param contentType its media type
     * @param filename the file name sent to the server
     */
    public record FilePart(String name, Path path, String contentType, String filename) implements Part {
        /** Checks for null. */
        public FilePart {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(contentType, "contentType");
            Objects.requireNonNull(filename, "filename");
        }
    }

    /** Builds a {@link Multipart}. Not thread-safe. */
    public static final class Builder {
        private final List<Part> parts = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds a text field.
         *
         * @param name the field name
         * @param value the value
         * @return this builder
         */
        public Builder field(String name, String value) {
            parts.add(new Field(name, value, "text/plain; charset=UTF-8"));
            return this;
        }

        /**
         * Adds a JSON text field.
         *
         * @param name the field name
         * @param json the JSON text
         * @return this builder
         */
        public Builder jsonField(String name, String json) {
            parts.add(new Field(name, json, "application/json"));
            return this;
        }

        /**
         * Adds a file part named after the file.
         *
         * @param name the field name
         * @param path a readable regular file
         * @param contentType its media type
         * @return this builder
         * @throws InvalidInputException if the file does not exist, is not a regular file or cannot be read
         */
        public Builder file(String name, Path path, String contentType) {
            String problem = !Files.exists(path) ? "does not exist" : !Files.isRegularFile(path)
                    ? "is not a regular file" : !Files.isReadable(path) ? "cannot be read" : null;
            if (problem != null) {
                // Only the file name: the directories may say more about the host than a message should.
                throw new InvalidInputException("invalid_file", "file",
                        "file to upload " + path.getFileName() + " " + problem);
            }
            parts.add(new FilePart(name, path, contentType, String.valueOf(path.getFileName())));
            return this;
        }

        /**
         * Returns the form.
         *
         * @return the form
         */
        public Multipart build() {
            return new Multipart(parts);
        }
    }
}
