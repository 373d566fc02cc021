package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.device.telemetry.SyslogIntake;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The console's fleet page in a real headless Chromium (the browser of {@link ConsolePage}): a PKI
 * admin logs in, registers a device on a loopback mesh from the page's form (after a refusal shown
 * next to the field), watches its connectivity turn online as its monitor's first ping answers, and
 * decommissions it; a viewer reads the fleet without a single control.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=console-fleet-it",
      "opsflow.security.embedded.users.fleet-admin.secret=fleet-admin-password",
      "opsflow.security.embedded.users.fleet-admin.roles=pki_admin",
      "opsflow.security.embedded.users.fleet-viewer.secret=fleet-viewer-password",
      "opsflow.security.embedded.users.fleet-viewer.roles=viewer"
    })
class ConsoleFleetBrowserIT {

  private static final AtomicInteger NAMES = new AtomicInteger();

  @LocalServerPort int port;
  @Autowired SyslogIntake intake;

  private ConsolePage page;
  private WebDriver browser;

  @AfterEach
  void closeBrowser() {
    if (page != null) {
      page.close();
    }
  }

  private ApiClient pki() {
    return new ApiClient(port).as("it-pki");
  }

  private long tenant(String cidr) {
    String name = "fleet-" + System.nanoTime() % 1_000_000 + "-" + NAMES.incrementAndGet();
    String body =
        "{\"name\":\""
            + name
            + "\",\"mesh_cidr\":\""
            + cidr
            + "\",\"lighthouse_endpoint\":\"127.0.0.1:4242\"}";
    return pki().ok(pki().post("/api/v1/tenants", body), 201).path("id").asLong();
  }

  private void logIn(String user, String password) {
    page = new ConsolePage("http://127.0.0.1:" + port, "failed-fleet-");
    browser = page.browser();
    page.logIn(user, password);
  }

  /** A GPS fix (RFC 5424 syslog, MAVLink fields) sent from the device's own overlay address. */
  private void position(String deviceIp, double lat, double lon) throws IOException {
    String message =
        "<14>1 "
            + java.time.Instant.now()
            + " drone mavlink - GLOBAL_POSITION_INT [mavlink@32473 lat=\""
            + lat
            + "\" lon=\""
            + lon
            + "\" alt=\"488.2\" relative_alt=\"12.5\"] fix";
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    try (var socket = new DatagramSocket(new InetSocketAddress(deviceIp, 0))) {
      socket.send(
          new DatagramPacket(
              bytes, bytes.length, new InetSocketAddress("127.0.0.1", intake.udpPort())));
    }
  }

  private String row(String name) {
    return "tr[data-device-name=\"" + name + "\"]";
  }

  @Test
  void aPkiAdminRegistersADeviceAndSeesItTurnOnlineThenDecommissionsIt() throws IOException {
    // 127.x answers ICMP on this host: the device's monitor finds it up at its first probe.
    long tenant = tenant("127.77.0.0/24");
    logIn("fleet-admin", "fleet-admin-password");
    assertThat(browser.findElements(By.cssSelector("#nav a")).stream().map(WebElement::getText))
        .containsExactly("Fleet");
    page.open("fleet");
    page.choose("fl-tenant", Long.toString(tenant));
    // No name: the server's refusal is shown in the form, next to the field it names.
    page.click("fl-register");
    page.until(d -> d.findElement(By.cssSelector("#fl-form .error")).getText().startsWith("name:"));
    assertThat(browser.findElement(By.id("fl-name")).getDomAttribute("aria-invalid"))
        .isEqualTo("true");

    String name = "drone-console-" + NAMES.incrementAndGet();
    page.type("fl-name", name);
    page.click("fl-register");
    page.until(d -> d.getCurrentUrl().matches(".*#/fleet/\\d+$"));
    long device = Long.parseLong(browser.getCurrentUrl().replaceAll(".*#/fleet/", ""));
    page.until(
        d ->
            d.findElement(By.cssSelector(row(name) + " td.connectivity"))
                .getText()
                .equals("online"));
    // The monitor's contact reaches the onboarding workflow right after: onboarded, online.
    page.until(
        d ->
            d.findElement(By.cssSelector(row(name) + " td.onboarding")).getText().equals("online"));
    assertThat(browser.findElement(By.cssSelector(row(name) + " td.rtt")).getText())
        .endsWith(" ms");
    // The panel links the device's workflow and its endpoint's connectivity monitor.
    page.until(
        d ->
            d.findElement(By.cssSelector("#device-endpoints a.temporal"))
                .getText()
                .startsWith("connectivity-"));
    assertThat(
            browser
                .findElement(By.cssSelector("#device-detail a.temporal"))
                .getDomAttribute("href"))
        .endsWith("/workflows/device-" + device);
    JsonNode fleet = pki().ok(pki().get("/api/v1/fleet/devices/" + device), 200);
    assertThat(fleet.path("connectivity").asText()).isEqualTo("online");
    // Its first GPS fix, sent from its overlay address: a position in the table, a dot on the map.
    position(fleet.at("/endpoints/0/ip_address").asText(), 47.3977419, 8.5455938);
    page.until(
        d ->
            d.findElement(By.cssSelector(row(name) + " td.position"))
                .getText()
                .startsWith("47.397742, 8.545594"));
    page.until(d -> "1".equals(d.findElement(By.id("fleet-map")).getDomAttribute("data-points")));
    assertThat(browser.findElement(By.id("fleet-map")).getDomAttribute("aria-label"))
        .contains(name + " at 47.39774, 8.54559");
    page.shot("fleet");

    page.type("fl-reason", "retired by the console test");
    page.click("fl-decommission");
    page.until(
        d ->
            d.findElement(By.cssSelector(row(name) + " td.onboarding"))
                .getText()
                .equals("decommissioned"));
    assertThat(pki().ok(pki().get("/api/v1/devices/" + device), 200).path("status").asText())
        .isEqualTo("decommissioned");
  }

  @Test
  void aViewerReadsTheFleetWithoutAnyControl() {
    long tenant = tenant("192.168.100.0/24");
    String name = "drone-viewed-" + NAMES.incrementAndGet();
    long device =
        pki()
            .ok(
                pki()
                    .post(
                        "/api/v1/devices",
                        "{\"tenant_id\":"
                            + tenant
                            + ",\"name\":\""
                            + name
                            + "\",\"device_type\":\"drone\"}"),
                201)
            .path("id")
            .asLong();
    logIn("fleet-viewer", "fleet-viewer-password");
    assertThat(browser.findElements(By.cssSelector("#nav a")).stream().map(WebElement::getText))
        .contains("Fleet");
    for (String route : new String[] {"fleet", "fleet/" + device}) {
      page.open(route);
      page.until(d -> d.findElement(By.cssSelector(row(name) + " td.connectivity")));
      if (route.contains("/")) {
        page.until(
            d -> d.findElement(By.cssSelector("#device-detail h2")).getText().contains(name));
      }
      // No control that acts; the flights section's question form only reads.
      assertThat(
              browser.findElements(
                  By.cssSelector(
                      "main button:not(form.query *), main input:not(form.query *),"
                          + " main select:not(form.query *), main textarea:not(form.query *)")))
          .as("controls on " + route)
          .isEmpty();
      if (route.contains("/")) {
        page.until(d -> d.findElement(By.cssSelector("#device-flights form.query")));
        assertThat(browser.findElement(By.id("device-flights")).getText())
            .contains("No flight recorded.");
      }
      assertThat(browser.findElement(By.id("main")).getDomAttribute("data-can-act"))
          .isEqualTo("false");
    }
    // A mesh address off loopback is data: never probed, so never online.
    assertThat(browser.findElement(By.cssSelector(row(name) + " td.connectivity")).getText())
        .isNotEqualTo("online");
    page.shot("viewer-fleet");
  }
}
