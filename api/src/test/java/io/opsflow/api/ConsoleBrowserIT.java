package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.simulators.GroundStationSimulator;
import io.opsflow.simulators.ShellyPlugSimulator;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The web console in a real headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}; {@code opsflow.chromium} and {@code opsflow.chromedriver} point elsewhere),
 * against the app on the embedded default: a person logs in through the embedded issuer's login
 * page (authorization code + PKCE), starts a session and watches its countdown run, follows a
 * build's DAG until every job is green, skips a node of a running pass while it runs, and a viewer
 * sees no action button while the server refuses the viewer's token anyway. Every page is saved as
 * a screenshot under {@code target/console-screenshots/}.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=console-it",
      "opsflow.builds.runner=local",
      "opsflow.security.embedded.users.console-op.secret=console-op-password",
      "opsflow.security.embedded.users.console-op.roles="
          + "venue_operator,ci_user,scheduler_operator,pass_operator",
      "opsflow.security.embedded.users.console-viewer.secret=console-viewer-password",
      "opsflow.security.embedded.users.console-viewer.roles=viewer"
    })
class ConsoleBrowserIT {

  private static final java.util.concurrent.atomic.AtomicInteger STATIONS =
      new java.util.concurrent.atomic.AtomicInteger();

  private static ShellyPlugSimulator plug;
  private static GroundStationSimulator groundStation;

  @LocalServerPort int port;

  private ConsolePage page;
  private WebDriver browser;

  @BeforeAll
  static void devices() throws IOException {
    plug = ShellyPlugSimulator.start();
    groundStation = GroundStationSimulator.start();
  }

  @AfterAll
  static void stopDevices() {
    plug.close();
    groundStation.close();
  }

  @AfterEach
  void closeBrowser() {
    if (page != null) {
      page.close();
    }
  }

  /** Logs in the way a person does: the console sends the browser to the issuer's login page. */
  private void logIn(String user, String password) {
    page = new ConsolePage("http://127.0.0.1:" + port, "failed-");
    browser = page.browser();
    page.logIn(user, password);
    // Back on the console, the code redeemed and dropped from the address.
    assertThat(browser.getCurrentUrl()).doesNotContain("code=").doesNotContain("/console/callback");
  }

  private void clickNode(String graph, String node) {
    page.until(
        d -> {
          d.findElement(By.cssSelector("#" + graph + " g.node[data-id=\"" + node + "\"]")).click();
          return true;
        });
  }

  private static int seconds(String clock) {
    int total = 0;
    for (String part : clock.trim().split(":")) {
      total = total * 60 + Integer.parseInt(part);
    }
    return total;
  }

  @Test
  void anOperatorStartsASessionWatchesItsCountdownExtendsAndStopsIt() {
    ApiClient admin = new ApiClient(port);
    long user = admin.user("ana-console");
    long station = admin.console("ps5-console", plug.baseUrl());
    // A PC whose agent is not connected: shown offline beside the console.
    admin.ok(
        admin.post(
            "/api/v1/stations", "{\"name\":\"pc-console\",\"type\":\"PC\",\"hourly_rate\":6.00}"),
        201);
    logIn("console-op", "console-op-password");
    page.open("venue");
    String card = ".card[data-station-id=\"" + station + "\"]";
    page.until(d -> d.findElement(By.cssSelector(card + " form")));
    page.until(d -> d.findElement(By.id("venue-live")).getText().equals("live"));
    page.choose("start-user-" + station, Long.toString(user));
    // The server's refusal shows in the form: this customer has no balance.
    page.choose("start-method-" + station, "BALANCE");
    page.click("start-" + station);
    page.until(
        d ->
            d.findElement(By.cssSelector(card + " .error"))
                .getText()
                .contains("Insufficient balance"));
    page.shot("venue-refused");

    page.choose("start-method-" + station, "CASH");
    page.type("start-minutes-" + station, "2");
    page.click("start-" + station);
    page.until(
        d -> d.findElement(By.cssSelector(card)).getDomAttribute("data-state").equals("active"));
    // Read inside the wait: the live page may redraw the card between finding and reading it.
    int first =
        seconds(page.until(d -> d.findElement(By.cssSelector(card + " .countdown")).getText()));
    assertThat(first).isBetween(100, 120);
    // The countdown runs in the page: a few seconds later it shows less.
    page.until(d -> seconds(page.text(card + " .countdown")) <= first - 2);
    page.shot("venue");

    page.type("extend-minutes-" + station, "3");
    page.click("extend-" + station);
    page.until(d -> seconds(page.text(card + " .countdown")) > 240);

    page.click("stop-" + station);
    page.until(
        d -> d.findElement(By.cssSelector(card)).getDomAttribute("data-state").equals("free"));
    page.until(
        d -> d.findElement(By.cssSelector("#recent tbody tr")).getText().contains("STOPPED"));
    JsonNode sessions = admin.ok(admin.get("/api/v1/sessions?station_id=" + station), 200);
    assertThat(sessions.get(0).path("status").asText()).isEqualTo("STOPPED");
    assertThat(sessions.get(0).path("extended_minutes").asInt()).isEqualTo(3);
  }

  private static final String PIPELINE =
      """
      name: console-demo
      jobs:
        build:
          steps:
            - run: |
                echo "compiling"
                sleep 2
                mkdir -p out && echo artifact-1 > out/app.txt
        test:
          needs: build
          steps:
            - run: sleep 1 && echo "tests passed"
        lint:
          needs: build
          steps:
            - run: echo lint ok
        deploy:
          needs: [test, lint]
          steps:
            - run: echo "deploying $(cat out/app.txt)"
      """;

  @Test
  void aPipelineIsCreatedAndItsBuildsDagFollowedUntilEveryJobIsGreen() {
    logIn("console-op", "console-op-password");
    page.open("ci");
    page.setValue(page.byId("pl-name"), "console-demo");
    // A pipeline the server refuses: the problem is shown with its line.
    page.setValue(
        page.byId("pl-yaml"), PIPELINE.replace("needs: [test, lint]", "needs: [test, ghost]"));
    page.click("pl-validate");
    page.until(d -> d.findElement(By.cssSelector("#pl-form .error")).getText().contains("ghost"));
    page.setValue(page.byId("pl-yaml"), PIPELINE);
    page.click("pl-validate");
    page.until(d -> d.findElements(By.cssSelector("#pl-preview g.node")).size() == 4);
    page.shot("ci-new-pipeline");
    page.click("pl-create");
    page.until(d -> d.getCurrentUrl().contains("#/ci/pipeline/"));
    page.click(By.cssSelector("[id^=start-build-]"));

    page.until(d -> d.getCurrentUrl().contains("#/ci/build/"));
    page.until(d -> d.findElements(By.cssSelector("#build-dag g.node")).size() == 4);
    // Job states arrive live: the first job is seen running, then every job is green.
    page.until(
        d ->
            d.findElement(By.cssSelector("#build-dag g.node[data-id=build]"))
                .getDomAttribute("data-status")
                .equals("running"));
    page.shot("ci-build-running");
    page.until(
        d ->
            d.findElements(By.cssSelector("#build-dag g.node")).stream()
                .allMatch(n -> "succeeded".equals(n.getDomAttribute("data-status"))));
    page.until(d -> page.text("#build-head .badge").equals("SUCCEEDED"));
    // Keyboard: Tab to the deploy job and Enter follows its log to its end.
    WebElement deploy = browser.findElement(By.cssSelector("#build-dag g.node[data-id=deploy]"));
    ((JavascriptExecutor) browser).executeScript("arguments[0].focus();", deploy);
    deploy.sendKeys(Keys.ENTER);
    page.until(d -> "SUCCEEDED".equals(d.findElement(By.id("log")).getDomAttribute("data-status")));
    assertThat(page.text("#log")).contains("deploying artifact-1");
    assertThat(
            browser.findElement(By.cssSelector("#build-head a.temporal")).getDomAttribute("href"))
        .matches("http://127\\.0\\.0\\.1:\\d+/namespaces/default/workflows/build-\\d+");
    page.shot("ci-build");

    // The token runs out (the embedded issuer gives no refresh token): the console asks the
    // issuer again, which answers at once while its login session lasts, and comes back here.
    String before =
        (String)
            ((JavascriptExecutor) browser)
                .executeScript(
                    """
                    const t = JSON.parse(sessionStorage.getItem('opsflow.console.tokens'));
                    const old = t.access_token;
                    t.expires_at = 0;
                    sessionStorage.setItem('opsflow.console.tokens', JSON.stringify(t));
                    return old;""");
    String build = browser.getCurrentUrl().replaceAll(".*#/ci/build/(\\d+).*", "$1");
    browser.navigate().refresh();
    page.until(d -> d.getCurrentUrl().contains("#/ci/build/" + build));
    page.until(d -> page.text("#build-head .badge").equals("SUCCEEDED"));
    assertThat(
            ((JavascriptExecutor) browser)
                .executeScript(
                    "return JSON.parse(sessionStorage.getItem('opsflow.console.tokens')).access_token"))
        .isNotEqualTo(before);
  }

  @Test
  void anOperatorSchedulesAWorkloadOnANodeAndReadsItsEvents() {
    ApiClient agent = new ApiClient(port).as("it-agent");
    agent.ok(
        agent.post(
            "/api/v1/nodes/register",
            "{\"nodeId\":\"node-ops\",\"ipAddress\":\"127.0.0.8\",\"hostname\":\"ops-host\","
                + "\"status\":\"active\"}"),
        200);
    agent.ok(
        agent.post(
            "/api/v1/nodes/heartbeat",
            "{\"nodeId\":\"node-ops\",\"status\":\"active\",\"availableCpu\":4,"
                + "\"availableMemory\":8192}"),
        200);
    logIn("console-op", "console-op-password");
    page.open("workloads");
    page.until(
        d ->
            d.findElement(By.cssSelector("tr[data-node-id=node-ops] td.age"))
                .getText()
                .contains("ago"));
    page.type("wl-name", "celery-worker");
    page.type("wl-command", "sh -c \"echo worker up; sleep 3600\"");
    page.type("wl-env", "QUEUE=default");
    page.click("wl-schedule");
    page.until(d -> d.getCurrentUrl().matches(".*#/workloads/[0-9a-f-]{36}$"));
    String id = browser.getCurrentUrl().replaceAll(".*#/workloads/", "");
    page.until(
        d ->
            d.findElement(By.cssSelector("#workload-detail h2"))
                .getText()
                .contains("celery-worker"));
    page.until(d -> d.findElement(By.cssSelector("tr[data-workload-id=\"" + id + "\"]")));
    page.until(d -> !d.findElements(By.cssSelector("#workload-detail tbody tr")).isEmpty());
    assertThat(
            browser
                .findElement(By.cssSelector("tr[data-workload-id=\"" + id + "\"] a.temporal"))
                .getDomAttribute("href"))
        .endsWith("/workflows/workload-" + id);
    JsonNode workload =
        new ApiClient(port).ok(new ApiClient(port).get("/api/v1/workloads/" + id), 200);
    assertThat(workload.path("name").asText()).isEqualTo("celery-worker");
    assertThat(workload.path("env_vars").path("QUEUE").asText()).isEqualTo("default");
    page.shot("workloads");
  }

  private static final String PROCEDURE =
      """
      {"nodes":[
        {"id":"ping","type":"send_telecommand",
         "parameters":{"apid":100,"command":"PING","verifier":{"type":"ack"},"timeout_seconds":10}},
        {"id":"hold","type":"delay","parameters":{"duration_seconds":8}},
        {"id":"mode7","type":"wait_telemetry",
         "parameters":{"condition":{"parameter":"mode","op":"eq","value":7},"timeout_seconds":20}},
        {"id":"done","type":"delay","parameters":{"duration_seconds":1}}],
       "links":[{"from":"ping","to":"hold"},{"from":"hold","to":"mode7"},{"from":"mode7","to":"done"}]}
      """;

  private long passSoon(ApiClient pass, int inSeconds) {
    long gs =
        pass.ok(
                pass.post(
                    "/api/v1/ground-stations",
                    "{\"name\":\"svalbard-"
                        + STATIONS.incrementAndGet()
                        + "\",\"host\":\"127.0.0.1\",\"port\":"
                        + groundStation.port()
                        + ",\"latitude\":78.23,\"longitude\":15.4,\"altitude\":500}"),
                201)
            .path("id")
            .asLong();
    Instant aos = Instant.now().plusSeconds(inSeconds).truncatedTo(ChronoUnit.SECONDS);
    return pass.ok(
            pass.post(
                "/api/v1/passes",
                "{\"satellite\":\"SAT-C\",\"ground_station_id\":"
                    + gs
                    + ",\"aos\":\""
                    + aos
                    + "\",\"los\":\""
                    + aos.plusSeconds(600)
                    + "\",\"lead_time_seconds\":1,\"procedure\":"
                    + PROCEDURE
                    + "}"),
            201)
        .path("id")
        .asLong();
  }

  private String nodeStatus(String node) {
    return browser
        .findElement(By.cssSelector("#pass-graph g.node[data-id=\"" + node + "\"]"))
        .getDomAttribute("data-status");
  }

  @Test
  void aPassRunsLiveAndAnOperatorSkipsANodeWhileItRuns() {
    ApiClient pass = new ApiClient(port).as("it-pass");
    long id = passSoon(pass, 10);
    logIn("console-op", "console-op-password");
    page.open("passes");
    page.until(d -> d.findElement(By.cssSelector("#timeline a[href=\"#/passes/" + id + "\"]")));
    page.shot("passes-timeline");
    page.open("passes/" + id);
    page.until(d -> d.findElements(By.cssSelector("#pass-graph g.node")).size() == 4);
    // The telecommand is acknowledged; while "hold" waits, mode7 (which would time out) is skipped.
    page.until(d -> nodeStatus("ping").equals("succeeded"));
    page.until(d -> nodeStatus("hold").equals("running"));
    clickNode("pass-graph", "mode7");
    page.until(d -> d.findElement(By.cssSelector("#node-panel h2")).getText().contains("mode7"));
    page.click("node-skip");
    page.until(
        d ->
            d.findElement(By.cssSelector("#node-panel .meta"))
                .getText()
                .contains("skip requested"));
    // A refused operation is shown with the server's reason: ping already ran.
    clickNode("pass-graph", "ping");
    page.until(d -> d.findElement(By.cssSelector("#node-panel h2")).getText().contains("ping"));
    page.click("node-skip");
    page.until(d -> d.findElement(By.cssSelector("#node-panel .error")).getText().contains("ping"));
    page.until(
        d -> d.findElements(By.cssSelector("#pass-packets tr[data-direction=tm]")).size() > 0);
    page.shot("pass-running");

    page.until(Duration.ofSeconds(90), d -> nodeStatus("mode7").equals("skipped"));
    page.until(Duration.ofSeconds(90), d -> nodeStatus("done").equals("succeeded"));
    page.until(
        Duration.ofSeconds(90),
        d -> "success".equals(d.findElement(By.id("pass-head")).getDomAttribute("data-status")));
    assertThat(browser.findElements(By.cssSelector("#pass-packets tr[data-direction=tc]")))
        .hasSize(1);
    page.until(
        d -> d.findElements(By.cssSelector("#pass-events tr[data-type=operator]")).size() >= 1);
    // The stream ends once the pass is over: every event and packet recorded until then is shown,
    // once. (Postprocessing may record a last event after the stream's end: not compared.)
    page.until(d -> page.text("#pass-live").startsWith("pass over"));
    page.shot("pass");
    for (String table : List.of("packets", "events")) {
      List<Long> shown =
          browser.findElements(By.cssSelector("#pass-" + table + " tbody tr")).stream()
              .map(row -> Long.parseLong(row.getDomAttribute("data-id")))
              .sorted()
              .toList();
      assertThat(shown).as(table).isNotEmpty().doesNotHaveDuplicates();
      List<Long> recorded = new java.util.ArrayList<>();
      pass.ok(pass.get("/api/v1/passes/" + id + "/" + table + "?limit=1000"), 200)
          .path("items")
          .forEach(item -> recorded.add(item.path("id").asLong()));
      assertThat(shown)
          .as(table)
          .isEqualTo(recorded.stream().filter(r -> r <= shown.getLast()).sorted().toList());
    }
    JsonNode actions = pass.ok(pass.get("/api/v1/passes/" + id + "/actions"), 200).path("items");
    assertThat(actions.toString())
        .contains("\"kind\":\"skip\"")
        .contains("console-op")
        .contains("rejected");
  }

  @Test
  void aViewerSeesNoActionButtonAndTheServerRefusesTheViewersTokenAnyway() {
    ApiClient admin = new ApiClient(port);
    long station = admin.console("ps5-viewer", plug.baseUrl());
    long pipeline =
        admin
            .as("alice")
            .pipeline("viewer-sees", "jobs:\n  hello:\n    steps:\n      - run: echo hello\n");
    long build = admin.as("alice").startBuild(pipeline);
    long pass = passSoon(new ApiClient(port).as("it-pass"), 3600);
    // A node with capacity, so the workloads page has something to show.
    ApiClient agent = admin.as("it-agent");
    agent.ok(
        agent.post(
            "/api/v1/nodes/register",
            "{\"nodeId\":\"node-console\",\"ipAddress\":\"127.0.0.7\",\"hostname\":\"console-host\",\"status\":\"active\"}"),
        200);
    agent.ok(
        agent.post(
            "/api/v1/nodes/heartbeat",
            "{\"nodeId\":\"node-console\",\"status\":\"active\",\"availableCpu\":2,\"availableMemory\":4096}"),
        200);

    logIn("console-viewer", "console-viewer-password");
    assertThat(browser.findElements(By.cssSelector("#nav a")).stream().map(WebElement::getText))
        .containsExactly("Venue", "CI", "Workloads", "Passes", "Fleet");
    Map<String, String> pages =
        Map.of(
            "venue",
            ".card[data-station-id=\"" + station + "\"]",
            "ci",
            "tr[data-pipeline-id=\"" + pipeline + "\"]",
            "ci/build/" + build,
            "#build-dag g.node",
            "workloads",
            "tr[data-node-id=node-console]",
            "passes/" + pass,
            "#pass-graph g.node");
    for (var route : List.of("venue", "ci", "ci/build/" + build, "workloads", "passes/" + pass)) {
      page.open(route);
      page.until(d -> d.findElement(By.cssSelector(pages.get(route))));
      if (route.startsWith("passes/")) {
        clickNode("pass-graph", "ping");
        page.until(d -> d.findElement(By.cssSelector("#node-panel h2")).getText().contains("ping"));
      }
      assertThat(
              browser.findElements(
                  By.cssSelector("main button, main input, main select, main textarea")))
          .as("controls on " + route)
          .isEmpty();
      assertThat(browser.findElement(By.id("main")).getDomAttribute("data-can-act"))
          .isEqualTo("false");
      page.shot("viewer-" + route.replace('/', '-'));
    }
    page.open("workloads");
    page.until(
        d ->
            d.findElement(By.cssSelector("tr[data-node-id=node-console] td.age"))
                .getText()
                .contains("ago"));

    // The same token, sent by the page itself, is refused by the server: 403 for every write.
    String script =
        """
        const done = arguments[arguments.length - 1];
        const token = JSON.parse(sessionStorage.getItem('opsflow.console.tokens')).access_token;
        const calls = [['POST', '/api/v1/sessions/start', {station_id: %d, duration: 5, user_id: 1}],
                       ['POST', '/api/v1/pipelines/%d/builds', null],
                       ['POST', '/api/v1/builds/%d/cancel', {}],
                       ['POST', '/api/v1/workloads/schedule', {name: 'x', image: 'y'}],
                       ['POST', '/api/v1/passes/%d/nodes/ping/skip', null],
                       ['GET', '/api/v1/passes/%d', null]];
        Promise.all(calls.map(([method, path, body]) => fetch(path, {method,
            headers: {Authorization: 'Bearer ' + token, 'Content-Type': 'application/json'},
            body: body ? JSON.stringify(body) : undefined}).then(r => r.status)))
          .then(done, e => done(String(e)));
        """
            .formatted(station, pipeline, build, pass, pass);
    Object statuses = ((JavascriptExecutor) browser).executeAsyncScript(script);
    assertThat(statuses.toString()).isEqualTo("[403, 403, 403, 403, 403, 200]");

    page.click("logout");
    page.until(d -> d.findElement(By.id("login")));
    assertThat(
            ((JavascriptExecutor) browser)
                .executeScript("return sessionStorage.getItem('opsflow.console.tokens')"))
        .isNull();
  }
}
