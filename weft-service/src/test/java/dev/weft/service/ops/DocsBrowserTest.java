package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.service.TestBackends;
import dev.weft.service.TestService;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * {@code /docs} in a real (headless) Chromium: Swagger UI renders every operation of {@code /openapi.json} without
 * console errors, and a call made through it (Authorize with the admin key, Try it out, Execute) succeeds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DocsBrowserTest {
    private Browser browser;
    private TestService service;

    @BeforeAll
    void start() {
        browser = Browser.open();
        service = new TestService(TestBackends.SQLITE);
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
    void rendersEveryOperationAndMakesAnAuthorizedCall() throws IOException {
        int operations = operationCount(new ObjectMapper().readTree(DocsModule.load()));
        browser.driver.get(service.base() + "/docs");

        browser.waiting(30).until(driver -> driver.findElements(By.cssSelector("#swagger-ui .opblock")).size()
                == operations);
        assertThat(browser.consoleErrors()).isEmpty();
        browser.screenshot("docs");

        authorize(TestService.ADMIN_KEY);
        WebElement health = browser.driver.findElement(By.xpath("//div[contains(@class,'opblock-get')]"
                + "[.//*[contains(@class,'opblock-summary-path') and @data-path='/health']]"));
        health.findElement(By.cssSelector(".opblock-summary")).click();
        browser.waiting(10).until(ExpectedConditions.elementToBeClickable(health.findElement(
                By.cssSelector(".try-out__btn")))).click();
        health.findElement(By.cssSelector(".execute")).click();

        browser.waiting(20).until(driver -> !health.findElements(
                By.cssSelector(".live-responses-table tbody .response-col_status")).isEmpty());
        String status = health.findElement(By.cssSelector(".live-responses-table tbody .response-col_status")).getText();
        assertThat(status).startsWith("200");
        assertThat(health.findElement(By.cssSelector(".live-responses-table tbody .response-col_description")).getText())
                .contains("\"status\"");
        assertThat(browser.consoleErrors()).isEmpty();
        browser.screenshot("docs-call");
    }

    private void authorize(String key) {
        browser.find(".auth-wrapper .authorize").click();
        browser.waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".modal-ux")));
        List<WebElement> containers = browser.driver.findElements(By.cssSelector(".modal-ux .auth-container"));
        WebElement apiKey = containers.stream().filter(container -> container.getText().contains("X-API-Key"))
                .findFirst().orElseThrow();
        apiKey.findElement(By.cssSelector("input")).sendKeys(key);
        apiKey.findElement(By.cssSelector("button.authorize")).click();
        // the section renders again once authorized ("Authorized", a Logout button), so look it up afresh
        browser.waiting(10).until(driver -> driver.findElement(By.cssSelector(".modal-ux")).getText()
                .contains("Authorized"));
        browser.find(".modal-ux .close-modal").click();
        browser.waiting(10).until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector(".modal-ux")));
    }

    private static int operationCount(JsonNode spec) {
        int count = 0;
        for (var path : spec.path("paths").properties()) {
            for (var operation : path.getValue().properties()) {
                if (List.of("get", "put", "post", "delete", "patch", "head", "options").contains(operation.getKey())) {
                    count++;
                }
            }
        }
        return count;
    }
}
