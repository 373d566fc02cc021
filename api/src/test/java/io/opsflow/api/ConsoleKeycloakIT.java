package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The web console against Keycloak ({@code opsflow.security.issuer} set, as {@code
 * OPSFLOW_OIDC_ISSUER} does): the console learns the issuer from {@code /console/config.json}, a
 * person logs in on Keycloak's own login page through the realm's public client {@code
 * opsflow-console} (authorization code + PKCE), sees only the pages of their roles, an expired
 * access token is renewed with Keycloak's refresh token without a new login, and logging out ends
 * the Keycloak session (the next login asks for the password again).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=console-keycloak-it",
      "opsflow.security.audience=opsflow"
    })
class ConsoleKeycloakIT {

  static final KeycloakServer keycloak = Started.at(() -> KeycloakServer.start());

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("opsflow.security.issuer", keycloak::issuer);
  }

  @AfterAll
  static void stop() {
    keycloak.close();
  }

  @LocalServerPort int port;

  private ConsolePage page;
  private WebDriver browser;

  @AfterEach
  void quit() {
    if (page != null) {
      page.close();
    }
  }

  private void logInAtKeycloak(String user) {
    page.until(d -> d.findElement(By.id("login"))).click();
    page.until(d -> d.findElement(By.id("username"))).sendKeys(user);
    browser.findElement(By.id("password")).sendKeys(user + "-password");
    browser.findElement(By.id("kc-login")).click();
    page.until(d -> d.findElement(By.id("user")).getText().equals(user));
  }

  @Test
  void aPersonLogsInAtKeycloakIsRefreshedAndLogsOut() {
    String base = "http://127.0.0.1:" + port;
    page = new ConsolePage(base, "failed-keycloak-");
    browser = page.browser();
    browser.get(base + "/");
    logInAtKeycloak("alice");
    assertThat(browser.getCurrentUrl()).startsWith(base + "/#/");
    // alice has ci_user only: the CI page, with its controls, read with Keycloak's token.
    assertThat(browser.findElements(By.cssSelector("#nav a")).stream().map(WebElement::getText))
        .containsExactly("CI");
    page.until(d -> d.findElement(By.id("pl-form")));
    page.until(d -> d.findElement(By.id("pipelines")).getText().contains("No pipelines yet."));
    page.shot("keycloak-ci");

    // The access token runs out: the page renews it with the refresh token, no login page.
    String before =
        (String)
            page.js(
                """
                const t = JSON.parse(sessionStorage.getItem('opsflow.console.tokens'));
                const old = t.access_token;
                if (!t.refresh_token) return 'no refresh token';
                t.expires_at = 0;
                sessionStorage.setItem('opsflow.console.tokens', JSON.stringify(t));
                return old;""");
    assertThat(before).isNotEqualTo("no refresh token");
    browser.navigate().refresh();
    page.until(d -> d.findElement(By.id("pipelines")).getText().contains("No pipelines yet."));
    assertThat(browser.getCurrentUrl()).startsWith(base + "/");
    String after =
        (String)
            page.js(
                "return JSON.parse(sessionStorage.getItem('opsflow.console.tokens')).access_token");
    assertThat(after).isNotEqualTo(before);

    // Logging out ends the Keycloak session too: the next login asks for the password.
    browser.findElement(By.id("logout")).click();
    page.until(
        d -> d.getCurrentUrl().startsWith(base + "/") && !d.findElements(By.id("login")).isEmpty());
    browser.findElement(By.id("login")).click();
    page.until(d -> d.findElement(By.id("username")));
    assertThat(browser.getCurrentUrl()).contains("/realms/opsflow/");
  }
}
