package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real (headless) Chromium watches a user's video go live through {@code GET /events}: the page opens the stream
 * with the user's key in {@code X-API-Key} (fetch and a stream reader, as a web client does: EventSource cannot send
 * a header), uploads a video with that key, and reads status events until the video completes, without a reload.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventsBrowserTest {
    /** Opens the stream, uploads once it is open, returns each {@code event:} name of the video's events in order. */
    private static final String WATCH = """
            const key = arguments[0];
            const done = arguments[arguments.length - 1];
            (async () => {
              const response = await fetch('/events', {headers: {'X-API-Key': key, 'Accept': 'text/event-stream'}});
              if (response.status !== 200) { done('stream status ' + response.status); return; }
              const reader = response.body.getReader();
              const decoder = new TextDecoder();
              const form = new FormData();
              form.append('video', new Blob([new Uint8Array([1, 2, 3])]), 'clip.mp4');
              const accepted = await fetch('/process-video', {method: 'POST', headers: {'X-API-Key': key}, body: form});
              if (accepted.status !== 202) { done('upload status ' + accepted.status); return; }
              const videoId = (await accepted.json()).video_id;
              const seen = [];
              let buffer = '';
              for (;;) {
                const chunk = await reader.read();
                if (chunk.done) { done(seen); return; }
                buffer += decoder.decode(chunk.value, {stream: true});
                let end;
                while ((end = buffer.indexOf('\\n\\n')) >= 0) {
                  const frame = buffer.slice(0, end);
                  buffer = buffer.slice(end + 2);
                  const name = (frame.match(/^event: (.*)$/m) || [])[1];
                  const data = (frame.match(/^data: (.*)$/m) || [])[1];
                  if (name && data && JSON.parse(data).video_id === videoId) {
                    seen.push(name);
                    if (/completed|failed|cancelled/.test(name)) { reader.cancel(); done(seen); return; }
                  }
                }
              }
            })().catch(error => done('error ' + error));
            """;

    @Test
    void aBrowserSeesAVideosStatusChangesLiveThroughTheStream() {
        try (Browser browser = Browser.open(); TestService service = new TestService(TestBackends.SQLITE)) {
            String key = service.createUser(TestService.unique("live")).path("api_key").asText();
            browser.driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
            browser.driver.get(service.base() + "/"); // a page of the service's origin (the dashboard, not signed in)

            Object seen = browser.driver.executeAsyncScript(WATCH, key);

            System.out.println("EVENTS-BROWSER seen: " + seen);
            assertThat(seen).isInstanceOf(List.class);
            List<?> names = (List<?>) seen;
            assertThat(names).as("status events of the video, in order").isNotEmpty();
            assertThat(String.valueOf(names.getFirst())).contains("queued");
            assertThat(String.valueOf(names.getLast())).contains("completed");
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }
}
