package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The dashboard at {@code /} in a real (headless) Chromium: it shows the numbers of a known workload, updates them
 * without a reload through its one open stream, writes nothing to the console, weighs under 300 KB, and refuses a
 * wrong key with a clear line; its Webhooks section shows a delivery to a closed port as failed with its reason.
 * Screenshots go to {@code target/screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {
    /** The budget for the page and everything it loads. */
    private static final long PAGE_BUDGET_BYTES = 300_000;

    private Browser browser;
    private TestService service;

    @BeforeAll
    void start() {
        browser = Browser.open();
        service = new TestService(TestBackends.SQLITE,
                config -> config.withWebhooks(DashboardEndpointTest.failingFast()));
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void showsAKnownWorkloadLiveWithoutConsoleErrors() {
        runWorkload();
        browser.consoleErrors(); // drops what an earlier test left (a refused key logs its 401)
        browser.driver.executeCdpCommand("Network.clearBrowserCache", java.util.Map.of()); // weigh a first visit
        browser.driver.get(service.base() + "/");
        signIn(TestService.ADMIN_KEY);

        browser.waiting(30).until(driver -> "2".equals(browser.text("jobs-completed"))
                && "1".equals(browser.text("jobs-failed")) && "1".equals(browser.text("jobs-failed-window")));
        assertThat(browser.find("#failures tbody").getText()).contains("provider_failed");
        assertThat(browser.find("#routes tbody").getText()).contains("POST /users").contains("POST /process-video");
        assertThat(browser.find("#health").getText()).contains("database: UP").contains("Overall: UP");
        assertThat(browser.consoleErrors()).isEmpty();
        long pageBytes = browser.transferredBytes(false);
        System.out.printf("dashboard page weight: %d bytes transferred for the page and its files%n", pageBytes);
        assertThat(pageBytes).isPositive().isLessThan(PAGE_BUDGET_BYTES);
        // each chart spans its card and its legend stays inside it: the first snapshot is drawn before sign-in shows
        // the page, and those charts once kept a 400-px width; a two-line legend once ran over the next heading
        browser.waiting(10).until(driver -> chartsFitTheirCards());
        browser.screenshot("dashboard");

        Object page = browser.script("return window.weftPageId");
        long before = number(browser.text("requests-total"));
        for (int i = 0; i < 25; i++) {
            assertThat(service.get("/health/live", null).status()).isEqualTo(200);
        }

        browser.waiting(15).until(driver -> number(browser.text("requests-total")) >= before + 25
                && browser.find("#routes tbody").getText().contains("GET /health/live"));
        assertThat(browser.script("return window.weftPageId")).isEqualTo(page);
        // the updates came through the page's one open stream, not through polls
        assertThat(service.service.context().registry().get("weft.dashboard.streams").gauge().value()).isPositive();
        assertThat(service.service.context().registry().find("http.server.requests").tag("uri", "/admin/dashboard")
                .timers()).isEmpty();
        assertThat(browser.consoleErrors()).isEmpty();
        browser.screenshot("dashboard-updated");
        browser.script("window.scrollTo(0, 0)");
        browser.smallScreenshot("dashboard-small", 840, 960); // docs/img/dashboard.png is a copy of it
    }

    /** @return whether every chart shown is as wide as its card (within 2 px) and ends, legend included, inside it */
    private boolean chartsFitTheirCards() {
        Object misfits = browser.script("""
                return Array.from(document.querySelectorAll('.chart')).filter(function (chart) {
                  if (chart.clientWidth === 0) { return false; }
                  var plot = chart.querySelector('.uplot');
                  var legend = chart.querySelector('.u-legend');
                  var card = chart.closest('figure').getBoundingClientRect();
                  return !plot || Math.abs(plot.getBoundingClientRect().width - chart.clientWidth) > 2
                      || (legend && legend.getBoundingClientRect().bottom > card.bottom);
                }).map(function (chart) { return chart.id; });""");
        return misfits instanceof java.util.List<?> list && list.isEmpty();
    }

    @Test
    void showsAFailedWebhookDeliveryWithItsReason() throws Exception {
        String key = service.createUser(TestService.unique("dash")).path("api_key").asText();
        String[] ids = DashboardEndpointTest.failingDelivery(service, key);
        browser.driver.get(service.base() + "/");
        browser.script("sessionStorage.clear()");
        browser.driver.navigate().refresh();
        browser.consoleErrors(); // drops what an earlier test left
        signIn(TestService.ADMIN_KEY);

        // the section's database figures are read at most every 10 s, the attempts every 2 s
        browser.waiting(30).until(driver -> browser.find("#webhook-failures tbody").getText().contains(ids[1])
                && number(browser.text("webhooks-failed-attempts-window")) > 0);
        String failures = browser.find("#webhook-failures tbody").getText();
        System.out.println("dashboard webhooks: failed delivery row: " + failures.lines()
                .filter(line -> line.contains(ids[1])).findFirst().orElse(""));
        assertThat(failures).contains(ids[0]).contains("webhook.test").contains("no answer").contains("failed")
                .doesNotContain("127.0.0.1");
        assertThat(browser.find("#webhooks-title").getText()).isEqualTo("Webhooks");
        assertThat(browser.find("#webhooks-off").isDisplayed()).isFalse();
        assertThat(number(browser.text("webhooks-failed"))).isPositive();
        assertThat(number(browser.text("webhooks-failed-attempts-window"))).isPositive();
        assertThat(browser.consoleErrors()).isEmpty();
        browser.script("document.getElementById('webhooks-title').scrollIntoView()");
        browser.screenshot("dashboard-webhooks");
        browser.find("#signout").click(); // the other tests start signed out
    }

    @Test
    void refusesAWrongKeyWithAClearMessage() {
        browser.driver.get(service.base() + "/");
        browser.script("sessionStorage.clear()");
        browser.driver.navigate().refresh();

        signIn("not-the-admin-key-0123456789");

        browser.waiting(10).until(driver -> browser.text("signin-error").contains("refused"));
        assertThat(browser.text("signin-error")).isEqualTo(
                "The service refused this key. The dashboard needs the admin key (WEFT_ADMIN_KEY).");
        assertThat(browser.find("#main").isDisplayed()).isFalse();
        assertThat(browser.script("return sessionStorage.getItem('weft.adminKey')")).isNull();
        browser.screenshot("dashboard-wrong-key");
    }

    @Test
    void reconnectsWhenTheServiceRestarts() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        TestService first = new TestService(TestBackends.SQLITE, config -> config.withPort(port));
        Object page;
        try {
            browser.driver.get(first.base() + "/");
            browser.script("sessionStorage.clear()");
            browser.driver.navigate().refresh();
            signIn(TestService.ADMIN_KEY);
            browser.waiting(15).until(driver -> browser.text("status").startsWith("Live"));
            page = browser.script("return window.weftPageId");
        } finally {
            first.close();
        }

        browser.waiting(15).until(driver -> browser.text("status").startsWith("Service unreachable"));
        try (TestService second = new TestService(TestBackends.SQLITE, config -> config.withPort(port))) {
            browser.waiting(20).until(driver -> browser.text("status").startsWith("Live"));

            assertThat(browser.script("return window.weftPageId")).isEqualTo(page);
            assertThat(browser.find("#main").isDisplayed()).isTrue();
            assertThat(second.service.port()).isEqualTo(port);
        }
    }

    private void runWorkload() {
        long first = service.createUser(TestService.unique("dash")).path("id").asLong();
        long second = service.createUser(TestService.unique("dash")).path("id").asLong();
        String[] videos = {
            upload(first, null), upload(second, null), upload(first, "{\"simulate\":\"fail\"}")};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (String video : videos) {
                String status = service.admin("GET", "/videos/" + video, null).json().path("status").asText();
                if (!status.equals("completed") && !status.equals("failed")) {
                    return false;
                }
            }
            return true;
        });
    }

    private String upload(long userId, @Nullable String options) {
        TestService.Form form = new TestService.Form().file("video", "clip.mp4", new byte[] {1, 2, 3})
                .field("user_id", Long.toString(userId));
        if (options != null) {
            form.field("options", options);
        }
        TestService.Response accepted = service.upload(TestService.ADMIN_KEY, form);
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        return accepted.json().path("video_id").asText();
    }

    private void signIn(String key) {
        browser.waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("key")));
        browser.find("#key").sendKeys(key);
        browser.find("#signin-button").click();
    }

    private static long number(String shown) {
        String digits = shown.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? 0 : Long.parseLong(digits);
    }
}
