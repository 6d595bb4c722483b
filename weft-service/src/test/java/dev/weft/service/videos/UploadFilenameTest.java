package dev.weft.service.videos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What is kept of an upload's file name. */
class UploadFilenameTest {

    @Test
    void bidirectionalOverridesAreDroppedSoANameReadsAsItIs() {
        assertThat(UploadForm.filename("invoice\u202Egpj.exe")).isEqualTo("invoicegpj.exe");
        assertThat(UploadForm.filename("a\u2066b\u2069c\u200Fd\u061Ce")).isEqualTo("abcde");
    }

    @Test
    void joinersInsideEmojiAndScriptsAreKept() {
        String family = "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67.mp4"; // man ZWJ woman ZWJ girl
        String persian = "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645.mp4"; // with a zero-width non-joiner

        assertThat(UploadForm.filename(family)).isEqualTo(family);
        assertThat(UploadForm.filename(persian)).isEqualTo(persian);
    }

    @Test
    void pathsAndControlCharactersGoAsBefore() {
        assertThat(UploadForm.filename("C:\\tmp\\..\\clip\u0007.mp4")).isEqualTo("clip.mp4");
        assertThat(UploadForm.filename("..")).isEqualTo(UploadForm.filename(null));
    }
}
