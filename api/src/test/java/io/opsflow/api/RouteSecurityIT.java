package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.api.web.OpenStreams;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

/**
 * No open route: every HTTP route the application registers (its controllers, actuator, springdoc,
 * errors) and the PC-agent WebSocket are walked without credentials and must answer 401, but for
 * the few that are public on purpose, listed here and not taken from the production rules, so a new
 * route without a rule fails this test. A viewer's token reads but never writes; an agent's token
 * does nothing but the agent routes.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=route-security-it"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteSecurityIT {

  /**
   * Public on purpose: health, the OpenAPI document and its UI, the error page, the web console's
   * configuration and OAuth2 redirect.
   */
  private static final List<String> PUBLIC =
      List.of(
          "/actuator/health",
          "/actuator/health/**",
          "/v3/api-docs",
          "/v3/api-docs/**",
          "/v3/api-docs.yaml",
          "/swagger-ui.html",
          "/swagger-ui/**",
          "/error",
          // a device redeeming its single-use enrollment code: the code is the credential
          "/api/v1/enroll",
          // The web console's login needs these before it has a token: its issuer, its redirect.
          "/console/config.json",
          "/console/callback");

  /** Reads a viewer may not make: each mints a credential (a device's enrollment code). */
  private static final Set<String> CREDENTIAL_READS = Set.of("GET /api/v1/devices/1/installer");

  private static final AntPathMatcher MATCHER = new AntPathMatcher();

  /** Routes only agents call. */
  private static final Set<String> AGENT_ROUTES =
      Set.of("POST /api/v1/nodes/register", "POST /api/v1/nodes/heartbeat");

  @LocalServerPort int port;
  @Autowired ApplicationContext context;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private List<String> routes;

  /** Every registered route as "METHOD /path" with its variables filled in. */
  @BeforeAll
  void routes() {
    Set<String> found = new TreeSet<>();
    for (RequestMappingInfoHandlerMapping mapping :
        context.getBeansOfType(RequestMappingInfoHandlerMapping.class).values()) {
      for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
        Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
        if (methods.isEmpty()) {
          methods = Set.of(RequestMethod.GET, RequestMethod.POST, RequestMethod.DELETE);
        }
        for (String pattern : info.getPatternValues()) {
          String path = pattern.replaceAll("\\{[^}]*}", "1").replace("/**", "/x");
          for (RequestMethod method : methods) {
            found.add(method.name() + " " + path);
          }
        }
      }
    }
    routes = new ArrayList<>(found);
    // The walk must have found the flows' routes, else it proves nothing.
    assertThat(routes)
        .contains(
            "POST /api/v1/sessions/start",
            "POST /api/v1/pipelines",
            "PUT /api/v1/pipelines/1/variables/1",
            "DELETE /api/v1/pipelines/1/variables/1",
            "POST /api/v1/workloads/schedule",
            "POST /api/v1/nodes/register",
            "POST /api/v1/passes",
            "POST /api/v1/ground-stations",
            "POST /api/v1/devices",
            "GET /api/v1/devices/1/installer",
            "POST /api/v1/enroll",
            "POST /api/v1/passes/1/pause",
            "PATCH /api/v1/passes/1/nodes/1",
            "GET /api/v1/passes/1/stream",
            "GET /api/v1/events/stream",
            "GET /v3/api-docs",
            "GET /actuator/metrics");
  }

  @Test
  void everyRouteButThePublicOnesAnswers401WithoutCredentials() throws Exception {
    List<String> open = new ArrayList<>();
    for (String route : routes) {
      int status = status(route, null);
      if (isPublic(route)) {
        assertThat(status).as(route + " is public").isNotIn(401, 403);
      } else if (status != 401) {
        open.add(route + " -> " + status);
      }
    }
    assertThat(open).as("routes answering without credentials").isEmpty();
  }

  @Test
  void aForeignOrMalformedTokenIs401() throws Exception {
    String forged =
        "eyJhbGciOiJSUzI1NiJ9."
            + java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"sub\":\"x\",\"roles\":[\"admin\"]}".getBytes())
            + ".c2lnbmF0dXJl";
    for (String token : List.of(forged, "not-a-token")) {
      assertThat(status("GET /api/v1/sessions", token)).isEqualTo(401);
    }
  }

  @Test
  void aViewerReadsEverythingAndChangesNothing() throws Exception {
    String viewer = new ApiClient(port).as("it-viewer").token();
    for (String route : routes) {
      if (isPublic(route)) {
        continue;
      }
      int status = status(route, viewer);
      boolean read = route.startsWith("GET ") || route.startsWith("HEAD ");
      if (CREDENTIAL_READS.contains(route)) {
        assertThat(status).as(route + " by a viewer").isEqualTo(403);
      } else if (read) {
        assertThat(status).as(route + " read by a viewer").isNotIn(401, 403);
      } else {
        assertThat(status).as(route + " written by a viewer").isEqualTo(403);
      }
    }
  }

  @Test
  void anAgentTokenReachesOnlyTheAgentRoutes() throws Exception {
    String agent = new ApiClient(port).as("it-agent").token();
    for (String route : routes) {
      if (isPublic(route)) {
        continue;
      }
      int status = status(route, agent);
      if (AGENT_ROUTES.contains(route)) {
        assertThat(status).as(route + " by an agent").isNotIn(401, 403);
      } else {
        assertThat(status).as(route + " by an agent").isEqualTo(403);
      }
    }
  }

  @Test
  void eachFlowsRoutesBelongToItsRole() throws Exception {
    ApiClient api = new ApiClient(port);
    String venue = api.as("it-venue").token();
    String scheduler = api.as("it-scheduler").token();
    String ci = api.as("alice").token();
    assertThat(status("GET /api/v1/sessions", venue)).isEqualTo(200);
    assertThat(status("GET /api/v1/workloads", venue)).isEqualTo(403);
    assertThat(status("GET /api/v1/pipelines", venue)).isEqualTo(403);
    assertThat(status("GET /api/v1/workloads", scheduler)).isEqualTo(200);
    assertThat(status("GET /api/v1/stations", scheduler)).isEqualTo(403);
    assertThat(status("GET /api/v1/pipelines", ci)).isEqualTo(200);
    assertThat(status("GET /api/v1/users", ci)).isEqualTo(403);
    String pass = api.as("it-pass").token();
    assertThat(status("GET /api/v1/passes", pass)).isEqualTo(200);
    assertThat(status("GET /api/v1/ground-stations", pass)).isEqualTo(200);
    assertThat(status("GET /api/v1/passes", venue)).isEqualTo(403);
    assertThat(status("POST /api/v1/ground-stations", ci)).isEqualTo(403);
    assertThat(status("GET /api/v1/sessions", pass)).isEqualTo(403);
    String pki = api.as("it-pki").token();
    String pilot = api.as("pilot-ann").token();
    assertThat(status("GET /api/v1/devices", pki)).isEqualTo(200);
    assertThat(status("GET /api/v1/tenants", pki)).isEqualTo(200);
    assertThat(status("GET /api/v1/devices", pilot)).isEqualTo(403);
    assertThat(status("POST /api/v1/tenants", pilot)).isEqualTo(403);
    assertThat(status("GET /api/v1/devices", pass)).isEqualTo(403);
  }

  @Test
  void theAgentWebSocketRefusesAHandshakeWithoutTheStationsToken() {
    ApiClient api = new ApiClient(port);
    long station =
        api.ok(api.post("/api/v1/stations", "{\"name\":\"pc-sec-1\",\"type\":\"PC\"}"), 201)
            .path("station")
            .path("id")
            .asLong();
    URI ws = URI.create("ws://127.0.0.1:" + port + "/ws/agent/" + station);
    for (String token : new String[] {null, api.token()}) {
      WebSocket.Builder builder = http.newWebSocketBuilder();
      if (token != null) {
        // An operator's token is not the station's agent token.
        builder.header("Authorization", "Bearer " + token);
      }
      try {
        builder.buildAsync(ws, new WebSocket.Listener() {}).join().abort();
        throw new AssertionError("the handshake was accepted with token " + token);
      } catch (CompletionException e) {
        assertThat(e.getCause())
            .isInstanceOf(java.net.http.WebSocketHandshakeException.class)
            .satisfies(
                c ->
                    assertThat(
                            ((java.net.http.WebSocketHandshakeException) c)
                                .getResponse()
                                .statusCode())
                        .isEqualTo(401));
      }
    }
  }

  @Test
  void openEventStreamsAreEndedWhenTheServerStopsSoItsShutdownDoesNotWaitForThem()
      throws Exception {
    OpenStreams streams = context.getBean(OpenStreams.class);
    // Streams this class's other tests left open (a route probed with a token) count too.
    int before = streams.size();
    ApiClient admin = new ApiClient(port);
    ApiClient.SseStream live = admin.sse("/api/v1/events/stream", null);
    ApiClient.SseStream another = admin.sse("/api/v1/events/stream?station_id=1", null);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (streams.size() < before + 2 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(streams.size()).as("open streams").isEqualTo(before + 2);
    assertThat(live.ended()).isNotDone();

    // What closing the application does first, before the web server's graceful shutdown: each
    // client sees its stream end (and reconnects with Last-Event-ID elsewhere).
    streams.stop();
    try {
      assertThat(live.ended().get(10, TimeUnit.SECONDS)).isEqualTo(200);
      assertThat(another.ended().get(10, TimeUnit.SECONDS)).isEqualTo(200);
      assertThat(streams.size()).isZero();
    } finally {
      streams.start();
    }
    ApiClient.SseStream after = admin.sse("/api/v1/events/stream", null);
    deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (streams.size() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(streams.size()).isEqualTo(1);
    assertThat(after.ended()).isNotDone();
  }

  @Test
  void theOpenApiDocumentDescribesEveryApiRouteWithItsRolesAndErrors() throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v3/api-docs")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);
    var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body());
    assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
    assertThat(doc.at("/components/schemas/Error/required").toString()).contains("detail");
    List<String> missing = new ArrayList<>();
    for (String route : routes) {
      String method = route.substring(0, route.indexOf(' ')).toLowerCase();
      String path = route.substring(route.indexOf(' ') + 1);
      if (!path.startsWith("/api/v1/")) {
        continue;
      }
      boolean documented = false;
      for (var entry : doc.path("paths").properties()) {
        if (entry.getKey().replaceAll("\\{[^}]*}", "1").equals(path)
            && entry.getValue().has(method)) {
          var operation = entry.getValue().path(method);
          assertThat(operation.path("x-roles").isArray()).as(route).isTrue();
          if (isPublic(route)) {
            assertThat(operation.path("security").toString()).as(route).doesNotContain("bearer");
            documented = true;
            continue;
          }
          assertThat(operation.path("security").toString()).as(route).contains("bearer");
          assertThat(operation.at("/responses/401/content").toString())
              .as(route)
              .contains("#/components/schemas/Error");
          // Any route may meet the database away: 503 with Retry-After (DatabaseRestartIT).
          assertThat(operation.at("/responses/503/content").toString())
              .as(route)
              .contains("#/components/schemas/Error");
          assertThat(operation.at("/responses/503/headers/Retry-After/schema/type").asText())
              .as(route)
              .isEqualTo("integer");
          documented = true;
        }
      }
      if (!documented) {
        missing.add(route);
      }
    }
    assertThat(missing).as("routes missing from /v3/api-docs").isEmpty();
  }

  @Test
  void theTemporalUiMayAskBeforeCallingTheCodecWithAToken() throws Exception {
    // The browser's CORS preflight carries no token; the call after it must.
    HttpResponse<String> preflight =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/temporal/codec/decode"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://127.0.0.1:8233")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type,x-namespace")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.statusCode()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
        .contains("http://127.0.0.1:8233");
    assertThat(status("POST /api/v1/temporal/codec/decode", null)).isEqualTo(401);
    String viewer = new ApiClient(port).as("it-viewer").token();
    assertThat(status("POST /api/v1/temporal/codec/decode", viewer)).isEqualTo(403);
  }

  @Test
  void aPersonLogsInThroughAuthorizationCodeWithPkceAndGetsTheirRoles() throws Exception {
    HttpClient browser =
        HttpClient.newBuilder()
            .cookieHandler(new java.net.CookieManager(null, java.net.CookiePolicy.ACCEPT_ALL))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    String base = "http://127.0.0.1:" + port;
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    String verifier = b64.encodeToString(random);
    String challenge =
        b64.encodeToString(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(verifier.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    // A loopback redirect URI may use any port (RFC 8252), as a console or CLI on the desk does.
    String redirect = "http://127.0.0.1:9999/console/callback";
    String authorize =
        base
            + "/oauth2/authorize?response_type=code&client_id=opsflow-console&scope=openid"
            + "&state=st4te&code_challenge_method=S256&code_challenge="
            + challenge
            + "&redirect_uri="
            + java.net.URLEncoder.encode(redirect, java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> toLogin = browse(browser, HttpRequest.newBuilder(URI.create(authorize)));
    assertThat(toLogin.statusCode()).isEqualTo(302);
    assertThat(toLogin.headers().firstValue("Location").orElseThrow()).endsWith("/login");

    HttpResponse<String> loggedIn = logIn(browser, base, "it-operator", "it-operator-password");
    assertThat(loggedIn.statusCode()).isEqualTo(302);
    String back = loggedIn.headers().firstValue("Location").orElseThrow();
    assertThat(back).contains("/oauth2/authorize");

    String firstCode =
        codeFrom(browse(browser, HttpRequest.newBuilder(URI.create(back))), redirect);
    String exchange =
        "grant_type=authorization_code&client_id=opsflow-console"
            + "&redirect_uri="
            + java.net.URLEncoder.encode(redirect, java.nio.charset.StandardCharsets.UTF_8)
            + "&code=";
    // Without the right verifier the code is worth nothing.
    HttpResponse<String> wrongVerifier =
        http.send(
            tokenRequest(base, exchange + firstCode + "&code_verifier=x" + verifier),
            HttpResponse.BodyHandlers.ofString());
    assertThat(wrongVerifier.statusCode()).isEqualTo(400);
    // Logged in now: the next authorization answers with a code at once.
    String code =
        codeFrom(browse(browser, HttpRequest.newBuilder(URI.create(authorize))), redirect);
    HttpResponse<String> token =
        http.send(
            tokenRequest(base, exchange + code + "&code_verifier=" + verifier),
            HttpResponse.BodyHandlers.ofString());
    assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
    String accessToken =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(token.body())
            .path("access_token")
            .asText();
    var claims =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(java.util.Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]));
    assertThat(claims.path("roles").toString()).contains("venue_operator");
    assertThat(claims.path("preferred_username").asText()).isEqualTo("it-operator");
    assertThat(status("GET /api/v1/sessions", accessToken)).isEqualTo(200);
    assertThat(status("GET /api/v1/workloads", accessToken)).isEqualTo(403);
  }

  @Test
  void anEngineerLoggedInAtTheLoginPageDecodesPayloadsForTheTemporalUi() throws Exception {
    String base = "http://127.0.0.1:" + port;
    HttpRequest.Builder decode =
        HttpRequest.newBuilder(URI.create(base + "/api/v1/temporal/codec/decode"))
            .header("Origin", "http://127.0.0.1:8233")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"payloads\":[]}"));
    HttpClient engineer = loggedIn(base, "it-engineer", "it-engineer-password");
    HttpResponse<String> decoded =
        engineer.send(decode.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(decoded.statusCode()).as(decoded.body()).isEqualTo(200);
    assertThat(decoded.headers().firstValue("Access-Control-Allow-Credentials")).contains("true");
    // The session is someone's: the venue operator's is not an engineer's.
    HttpClient operator = loggedIn(base, "it-operator", "it-operator-password");
    assertThat(operator.send(decode.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(403);
    // The login session opens the codec only, not the API.
    HttpResponse<String> sessions =
        engineer.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/temporal/codec/../../sessions"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(sessions.statusCode()).isIn(400, 401);
    assertThat(
            engineer
                .send(
                    HttpRequest.newBuilder(URI.create(base + "/api/v1/stations")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(401);
  }

  /** A browser that logged in at the embedded issuer's login page. */
  private static HttpClient loggedIn(String base, String user, String password) throws Exception {
    HttpClient browser =
        HttpClient.newBuilder()
            .cookieHandler(new java.net.CookieManager(null, java.net.CookiePolicy.ACCEPT_ALL))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    HttpResponse<String> done = logIn(browser, base, user, password);
    assertThat(done.headers().firstValue("Location").orElse("")).doesNotContain("error");
    return browser;
  }

  /** Fills in and sends the login page's form, as a person's browser does. */
  private static HttpResponse<String> logIn(
      HttpClient browser, String base, String user, String password) throws Exception {
    HttpResponse<String> page =
        browse(browser, HttpRequest.newBuilder(URI.create(base + "/login")));
    assertThat(page.statusCode()).isEqualTo(200);
    var csrf =
        java.util.regex.Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"")
            .matcher(page.body());
    assertThat(csrf.find()).as("the login page's CSRF token").isTrue();
    return browse(
        browser,
        HttpRequest.newBuilder(URI.create(base + "/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "username=" + user + "&password=" + password + "&_csrf=" + csrf.group(1))));
  }

  private static String codeFrom(HttpResponse<String> answer, String redirect) {
    assertThat(answer.statusCode()).isEqualTo(302);
    URI callback = URI.create(answer.headers().firstValue("Location").orElseThrow());
    assertThat(callback.toString()).startsWith(redirect).contains("state=st4te");
    return java.util.Arrays.stream(callback.getQuery().split("&"))
        .filter(p -> p.startsWith("code="))
        .findFirst()
        .orElseThrow()
        .substring(5);
  }

  private static HttpRequest tokenRequest(String base, String form) {
    return HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form))
        .build();
  }

  private static HttpResponse<String> browse(HttpClient browser, HttpRequest.Builder request)
      throws Exception {
    return browser.send(
        request.header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean isPublic(String route) {
    String path = route.substring(route.indexOf(' ') + 1);
    return PUBLIC.stream().anyMatch(p -> MATCHER.match(p, path));
  }

  /** The status of one request; the body is not waited for (event streams stay open). */
  private int status(String route, String token) throws Exception {
    String method = route.substring(0, route.indexOf(' '));
    String path = route.substring(route.indexOf(' ') + 1);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                method.equals("GET") || method.equals("HEAD") || method.equals("DELETE")
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString("{}"))
            .header("Content-Type", "application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<InputStream> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    response.body().close();
    return response.statusCode();
  }
}
