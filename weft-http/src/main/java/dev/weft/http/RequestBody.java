package dev.weft.http;

/** The body of a request, turned into an HttpClient entity when sent. */
sealed interface RequestBody {
    /** A value written as JSON. */
    record Json(Object value) implements RequestBody {
    }

    /** Raw bytes with their media type. */
    record Bytes(byte[] bytes, String contentType) implements RequestBody {
    }

    /** A multipart form; files are streamed from disk. */
    record Form(Multipart multipart) implements RequestBody {
    }
}
