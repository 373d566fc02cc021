package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in one headless Chromium, as the console ITs drive it: waits that retry while a live
 * page redraws what they read (stale or not yet there), screenshots under {@code
 * target/console-screenshots/} (the README's), and on a wait that times out a screenshot named
 * {@code <failure prefix><nanos>} and the page's text, address and browser console in the error.
 */
final class ConsolePage implements AutoCloseable {

  static final Path SHOTS = Path.of("target", "console-screenshots");
  static final Duration WAIT = Duration.ofSeconds(60);

  private final WebDriver browser;
  private final String base;
  private final String failurePrefix;

  /**
   * A new browser on the console at {@code base} (scheme, host and port, no slash at the end);
   * screenshots of timed-out waits are named {@code failurePrefix} and the time.
   */
  ConsolePage(String base, String failurePrefix) {
    try {
      Files.createDirectories(SHOTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.base = base;
    this.failurePrefix = failurePrefix;
    this.browser = chromium();
  }

  /** Chromium through the system's chromedriver: nothing is downloaded (no Selenium Manager). */
  static WebDriver chromium() {
    String chromium = System.getProperty("opsflow.chromium", "/usr/bin/chromium");
    String driver = System.getProperty("opsflow.chromedriver", "/usr/bin/chromedriver");
    assertThat(new File(chromium)).as("Debian package chromium").exists();
    assertThat(new File(driver)).as("Debian package chromium-driver").exists();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1100",
        "--no-first-run",
        "--disable-extensions");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(driver))
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }

  WebDriver browser() {
    return browser;
  }

  String base() {
    return base;
  }

  @Override
  public void close() {
    browser.quit();
  }

  <T> T until(Function<WebDriver, T> condition) {
    return until(WAIT, condition);
  }

  /**
   * What {@code condition} answers once it is neither null nor false, asked every 200 ms; a missing
   * or stale element only means "not yet", as does one not interactable: chromedriver answers that
   * for a field a live redraw replaced between finding and typing into it.
   */
  <T> T until(Duration timeout, Function<WebDriver, T> condition) {
    try {
      return new WebDriverWait(browser, timeout, Duration.ofMillis(200))
          .ignoring(StaleElementReferenceException.class)
          .ignoring(NoSuchElementException.class)
          .ignoring(ElementNotInteractableException.class)
          .until(condition);
    } catch (TimeoutException e) {
      shot(failurePrefix + System.nanoTime());
      StringBuilder console = new StringBuilder();
      browser
          .manage()
          .logs()
          .get(LogType.BROWSER)
          .forEach(entry -> console.append(entry).append('\n'));
      throw new AssertionError(
          "timed out at "
              + browser.getCurrentUrl()
              + "; the page shows:\n"
              + browser.findElement(By.tagName("body")).getText()
              + "\nbrowser console:\n"
              + console,
          e);
    }
  }

  /** The page as it is now, saved as {@code target/console-screenshots/<name>.png}. */
  void shot(String name) {
    try {
      File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
      Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Logs in the way a person does: the console sends the browser to the embedded issuer's login
   * page, and the console shows the user once back.
   */
  void logIn(String user, String password) {
    browser.get(base + "/");
    until(d -> d.findElement(By.id("login"))).click();
    until(d -> d.findElement(By.name("username"))).sendKeys(user);
    browser.findElement(By.name("password")).sendKeys(password);
    browser.findElement(By.cssSelector("button[type=submit]")).click();
    until(d -> d.findElement(By.id("user")).getText().equals(user));
  }

  /** The console's page {@code #/<hash>}. */
  void open(String hash) {
    browser.get(base + "/#/" + hash);
  }

  WebElement byId(String id) {
    return until(d -> d.findElement(By.id(id)));
  }

  /** The text of the first element {@code css} selects, read now (no wait). */
  String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  /** Clicks the element with this id, again if the page redrew it meanwhile (live pages do). */
  void click(String id) {
    click(By.id(id));
  }

  void click(By by) {
    until(
        d -> {
          d.findElement(by).click();
          return true;
        });
  }

  /**
   * Chooses an option, again until the list on the page holds it: a redraw can replace the list
   * while it is being chosen in.
   */
  void choose(String id, String value) {
    until(
        d -> {
          new Select(d.findElement(By.id(id))).selectByValue(value);
          return value.equals(d.findElement(By.id(id)).getDomProperty("value"));
        });
  }

  /**
   * Replaces what a field holds, again until the field on the page holds it. A redraw between the
   * clear (which blurs the field) and the typing replaces the field, and chromedriver may then type
   * into nothing without an error: the typed value is read back from the page.
   */
  void type(String id, String text) {
    until(
        d -> {
          WebElement input = d.findElement(By.id(id));
          input.clear();
          input.sendKeys(text);
          return text.equals(d.findElement(By.id(id)).getDomProperty("value"));
        });
  }

  /** Sets a field's value as a script does (no key events: long text, a textarea's YAML). */
  void setValue(WebElement element, String value) {
    js("arguments[0].value = arguments[1];", element, value);
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(script, args);
  }
}
