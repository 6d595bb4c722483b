package dev.weft.service.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven by Selenium for the browser tests: Debian's {@code chromium} and {@code chromium-driver}
 * ({@code .ci/run} installs them when missing). Without them a test is skipped, except under {@code CI=true}, where it
 * fails: green must mean tested. Each browser has a fresh profile directory, removed on close.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Where screenshots go: under the module's target directory. */
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    /** @return a headless browser, or the test is skipped (failed under {@code CI=true}) when there is none */
    static Browser open() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but " + CHROMIUM + " or " + CHROMEDRIVER + " is missing: apt-get install"
                    + " chromium chromium-driver (.ci/run does)");
        }
        Assumptions.assumeTrue(present, "no " + CHROMIUM + " / " + CHROMEDRIVER + ": browser test skipped");
        try {
            Path profile = Files.createTempDirectory("weft-chromium-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,1800", "--user-data-dir=" + profile);
            options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
            return new Browser(driver, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param seconds at most @return a wait */
    WebDriverWait waiting(int seconds) {
        // the dashboard redraws its tables every 2 s: an element found just before a redraw is gone, look again
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** @param css a selector @return the element */
    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    /** @param id an element id @return its text, as shown */
    String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    /** @return the console's errors since the last call (a SEVERE entry is an error or an uncaught exception) */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).toList();
    }

    /** @param script JavaScript returning a value @return what it returned */
    Object script(String script) {
        return driver.executeScript(script);
    }

    /**
     * @return bytes the browser transferred for the page and everything it loaded (the navigation and every resource,
     *     headers included, as the Resource Timing API counts them)
     */
    long transferredBytes(boolean includeFetches) {
        Object bytes = script("var all = performance.getEntriesByType('navigation').concat("
                + "performance.getEntriesByType('resource'));"
                + "return all.filter(function (e) { return " + includeFetches + " || e.initiatorType !== 'fetch'; })"
                + ".reduce(function (sum, e) { return sum + e.transferSize; }, 0);");
        return ((Number) bytes).longValue();
    }

    /** @param name the file name, without extension @return the screenshot's path */
    Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = driver.getScreenshotAs(OutputType.FILE);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.copy(shot.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(target).isNotEmptyFile();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A screenshot scaled to a width and cut to a height, small enough to commit (the README's picture).
     *
     * @param name the file name, without extension
     * @param width the width in pixels
     * @param height the most height kept, in pixels after scaling
     * @return the file
     */
    Path smallScreenshot(String name, int width, int height) {
        try {
            java.awt.image.BufferedImage full = javax.imageio.ImageIO.read(
                    new java.io.ByteArrayInputStream(driver.getScreenshotAs(OutputType.BYTES)));
            int scaledHeight = full.getHeight() * width / full.getWidth();
            java.awt.image.BufferedImage small = new java.awt.image.BufferedImage(width, Math.min(height, scaledHeight),
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D graphics = small.createGraphics();
            graphics.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION,
                    java.awt.RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            graphics.drawImage(full, 0, 0, width, scaledHeight, null);
            graphics.dispose();
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            javax.imageio.ImageIO.write(small, "png", target.toFile());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // a leftover temp directory is harmless
            }
        }
    }
}
