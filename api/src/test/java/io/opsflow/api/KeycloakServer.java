package io.opsflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.workers.embedded.ChildProcesses;
import io.opsflow.workers.embedded.LoopbackPorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Keycloak for the ITs: the Quarkus distribution that the build unpacks into {@code
 * target/keycloak} ({@code maven-dependency-plugin}, phase {@code pre-integration-test}), run as
 * {@code bin/kc.sh start-dev --import-realm} on a free 127.0.0.1 port with the realm {@code
 * opsflow} from {@code src/test/resources/keycloak/opsflow-realm.json}.
 *
 * <p>Every start has an empty in-memory database ({@code --db=dev-mem}) and its own transaction log
 * directory under {@code target/keycloak-runs/}, so nothing of an earlier run is seen. Keycloak
 * runs on the test JVM's own Java ({@code java.home}) and dies with this JVM, also on SIGKILL
 * ({@link ChildProcesses}). Its output goes to {@code target/keycloak-runs/<port>/keycloak.log}.
 *
 * <p>The issuer is {@code http://127.0.0.1:<port>/realms/opsflow} whatever host name a request uses
 * ({@code --hostname}). Tokens name their caller: {@code sub} is the user's id (fixed in the realm
 * file, {@link TestClient#sub()}, {@link TestUser#sub()}), {@code preferred_username} the user
 * name: {@code service-account-<client id>} for client credentials, the login for users.
 */
public final class KeycloakServer implements AutoCloseable {

  /** The realm of the realm file. */
  public static final String REALM = "opsflow";

  /** System property with the unpacked distribution (set by failsafe in the api's pom). */
  public static final String HOME_PROPERTY = "opsflow.keycloak.home";

  private static final String REALM_RESOURCE = "/keycloak/opsflow-realm.json";
  // The first start after unpacking also re-augments the distribution for start-dev (~10-20 s).
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(240);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;
  private final Path log;
  private final Duration startupTime;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private KeycloakServer(Process process, int port, Path log, Duration startupTime) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.startupTime = startupTime;
  }

  /** Starts Keycloak from {@code opsflow.keycloak.home}, else {@code target/keycloak}. */
  public static KeycloakServer start() throws IOException {
    String home = System.getProperty(HOME_PROPERTY);
    return start(home != null ? Path.of(home) : moduleTarget().resolve("keycloak"));
  }

  /**
   * Starts Keycloak from the distribution in {@code home} and waits until the realm answers.
   *
   * @throws IllegalStateException if it exits or does not answer in time, with its log's tail
   */
  public static KeycloakServer start(Path home) throws IOException {
    Path kcSh = home.resolve("bin/kc.sh");
    if (!Files.isRegularFile(kcSh)) {
      throw new IllegalStateException(
          "no Keycloak distribution in "
              + home
              + ": `mvn verify` (or `mvn -pl api dependency:unpack@unpack-keycloak`) unpacks it");
    }
    // --import-realm reads data/import of the distribution; the same file for every start.
    Path imports = Files.createDirectories(home.resolve("data/import"));
    try (InputStream realm = KeycloakServer.class.getResourceAsStream(REALM_RESOURCE)) {
      if (realm == null) {
        throw new IllegalStateException(REALM_RESOURCE + " is not on the test classpath");
      }
      Files.copy(realm, imports.resolve("opsflow-realm.json"), StandardCopyOption.REPLACE_EXISTING);
    }
    // A port picked free can be taken before Keycloak binds it: then once more on another.
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(home, kcSh);
      } catch (PortTaken e) {
        if (attempt == 3) {
          throw new IllegalStateException("Keycloak found its port taken three times", e);
        }
      }
    }
  }

  private static KeycloakServer startOnce(Path home, Path kcSh) throws IOException {
    int port = LoopbackPorts.free();
    Path run = Files.createDirectories(home.resolveSibling("keycloak-runs").resolve("" + port));
    Path log = run.resolve("keycloak.log");
    List<String> command =
        List.of(
            "/bin/sh",
            kcSh.toString(),
            "start-dev",
            "--import-realm",
            "--db=dev-mem",
            "--http-host=127.0.0.1",
            "--http-port=" + port,
            "--hostname=http://127.0.0.1:" + port,
            // The management interface (health, metrics) is off unless enabled; a free port anyway.
            "--http-management-port=" + LoopbackPorts.free(),
            "-Dquarkus.transaction-manager.object-store.directory=" + run.resolve("transactions"));
    ProcessBuilder builder =
        new ProcessBuilder(ChildProcesses.command("TERM", List.of(), command))
            .directory(run.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    // Nothing of the caller's Keycloak or JVM settings: kc.sh reads these.
    env.keySet()
        .removeIf(
            key ->
                key.startsWith("KC_")
                    || key.startsWith("KEYCLOAK_")
                    || key.startsWith("JAVA_OPTS")
                    || Set.of("JAVA", "JAVA_ADD_OPENS", "JAVA_LOCALE", "DEBUG", "DEBUG_PORT")
                        .contains(key));
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx512m");
    // Java 24+: jboss-threads resets thread locals through java.lang internals (without this the
    // HTTP server's threads die and Keycloak reports "Port already bound"). C1 only: a test's
    // Keycloak lives briefly, and starts in ~15 s instead of ~26 s on two busy cores.
    env.put(
        "JAVA_OPTS_APPEND", "--add-opens=java.base/java.lang=ALL-UNNAMED -XX:TieredStopAtLevel=1");
    long started = System.nanoTime();
    Process process = ChildProcesses.start(builder);
    try {
      awaitRealm(process, port, log, started);
    } catch (RuntimeException e) {
      stop(process);
      throw e;
    }
    return new KeycloakServer(process, port, log, Duration.ofNanos(System.nanoTime() - started));
  }

  private static void awaitRealm(Process process, int port, Path log, long started) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI discovery =
        URI.create(
            "http://127.0.0.1:" + port + "/realms/" + REALM + "/.well-known/openid-configuration");
    long deadline = started + STARTUP_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        String tail = ChildProcesses.tail(log);
        String message =
            "Keycloak exited with "
                + process.exitValue()
                + " while starting; "
                + log
                + ":\n"
                + tail;
        throw tail.contains("Port already bound")
            ? new PortTaken(message)
            : new IllegalStateException(message);
      }
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while Keycloak starts", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Keycloak did not answer "
                + discovery
                + " within "
                + STARTUP_TIMEOUT
                + "; "
                + log
                + ":\n"
                + ChildProcesses.tail(log));
      }
      sleep(200);
    }
  }

  /** {@code http://127.0.0.1:<port>/realms/opsflow}: {@code opsflow.security.issuer}. */
  public String issuer() {
    return "http://127.0.0.1:" + port + "/realms/" + REALM;
  }

  /** The realm's token endpoint. */
  public URI tokenEndpoint() {
    return URI.create(issuer() + "/protocol/openid-connect/token");
  }

  public int port() {
    return port;
  }

  /** From starting {@code kc.sh} to the realm's discovery document answering. */
  public Duration startupTime() {
    return startupTime;
  }

  /** Keycloak's output. */
  public Path log() {
    return log;
  }

  /** An access token of the client's service account (client credentials grant). */
  public String clientToken(String clientId, String secret) {
    return token(
        Map.of("grant_type", "client_credentials", "client_id", clientId, "client_secret", secret));
  }

  /** {@link #clientToken(String, String)} of one of the realm file's clients. */
  public String clientToken(TestClient client) {
    return clientToken(client.id(), client.secret());
  }

  /** A user's access token through a public client with direct access grants (password grant). */
  public String userToken(String clientId, String username, String password) {
    return token(
        Map.of(
            "grant_type", "password",
            "client_id", clientId,
            "username", username,
            "password", password));
  }

  /** {@link #userToken(String, String, String)} through a confidential client. */
  public String userToken(String clientId, String secret, String username, String password) {
    return token(
        Map.of(
            "grant_type", "password",
            "client_id", clientId,
            "client_secret", secret,
            "username", username,
            "password", password));
  }

  /** A realm file user's access token through {@code opsflow-cli}. */
  public String userToken(TestUser user) {
    return userToken(TestUser.CLIENT, user.username(), user.password());
  }

  /**
   * The access token of a token request.
   *
   * @throws TokenRefused if Keycloak does not answer 200 (401 for a wrong client secret)
   */
  private String token(Map<String, String> form) {
    String body =
        form.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    HttpRequest request =
        HttpRequest.newBuilder(tokenEndpoint())
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new TokenRefused(response.statusCode(), response.body());
      }
      JsonNode json = JSON.readTree(response.body());
      return json.required("access_token").asText();
    } catch (IOException e) {
      throw new UncheckedIOException("token request to " + tokenEndpoint() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** SIGTERM ({@code kc.sh} passes it to Keycloak's JVM), then SIGKILL to the whole tree. */
  @Override
  public void close() {
    stop(process);
  }

  private static void stop(Process process) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tree.forEach(ProcessHandle::destroyForcibly);
  }

  /** A token request Keycloak refused. */
  public static final class TokenRefused extends RuntimeException {
    private final int status;
    private final String body;

    TokenRefused(int status, String body) {
      super("token request refused with " + status + ": " + body);
      this.status = status;
      this.body = body;
    }

    public int status() {
      return status;
    }

    /** Keycloak's OAuth error, e.g. {@code {"error":"unauthorized_client",...}}. */
    public String body() {
      return body;
    }
  }

  /**
   * The realm file's client-credentials clients. Each one's service account has the roles named
   * here: realm roles ({@code realm_access.roles}) and client roles of {@code opsflow} ({@code
   * resource_access.opsflow.roles}).
   */
  public enum TestClient {
    ADMIN("it-admin", 101, List.of("admin"), List.of()),
    VENUE("it-venue", 102, List.of("venue_operator"), List.of()),
    CI("it-ci", 103, List.of("ci_user"), List.of()),
    SCHEDULER("it-scheduler", 104, List.of("scheduler_operator"), List.of()),
    VIEWER("it-viewer", 105, List.of("viewer"), List.of()),
    AGENT("it-agent", 106, List.of("node_agent"), List.of()),
    PKI("it-pki", 107, List.of("pki_admin"), List.of()),
    /** Only a client role: no {@code realm_access} claim at all. */
    PASS("it-pass", 108, List.of(), List.of("pass_operator")),
    PKI_USER("it-pki-user", 110, List.of("pki_user"), List.of()),
    ENGINEER("it-engineer", 111, List.of("engineer"), List.of()),
    /** Roles in both claims. */
    MIXED("it-mixed", 112, List.of("venue_operator", "viewer"), List.of("engineer")),
    /** Access tokens that live 2 s (client attribute {@code access.token.lifespan}). */
    SHORT_LIVED("it-short", 109, List.of("viewer"), List.of()),
    /** {@code opsflow} itself (confidential, also direct access grants). */
    OPSFLOW("opsflow", 100, List.of("viewer"), List.of());

    private final String id;
    private final int number;
    private final List<String> realmRoles;
    private final List<String> clientRoles;

    TestClient(String id, int number, List<String> realmRoles, List<String> clientRoles) {
      this.id = id;
      this.number = number;
      this.realmRoles = realmRoles;
      this.clientRoles = clientRoles;
    }

    public String id() {
      return id;
    }

    /** {@code <client id>-secret}. */
    public String secret() {
      return id + "-secret";
    }

    /** {@code preferred_username} of its tokens. */
    public String username() {
      return "service-account-" + id;
    }

    /** {@code sub} of its tokens: the service-account user's id, fixed in the realm file. */
    public String sub() {
      return String.format("00000000-0000-4000-8000-%012d", number);
    }

    public List<String> realmRoles() {
      return realmRoles;
    }

    /** Client roles of {@code opsflow}. */
    public List<String> clientRoles() {
      return clientRoles;
    }
  }

  /** The realm file's users, for the password grant; password {@code <username>-password}. */
  public enum TestUser {
    ALICE(1, List.of("ci_user"), List.of()),
    BOB(2, List.of("ci_user"), List.of()),
    VERA(3, List.of("viewer"), List.of()),
    /** Only a client role of {@code opsflow}. */
    ERIN(4, List.of(), List.of("engineer"));

    /** The public client with direct access grants. */
    public static final String CLIENT = "opsflow-cli";

    private final int number;
    private final List<String> realmRoles;
    private final List<String> clientRoles;

    TestUser(int number, List<String> realmRoles, List<String> clientRoles) {
      this.number = number;
      this.realmRoles = realmRoles;
      this.clientRoles = clientRoles;
    }

    /** The login, also {@code preferred_username}. */
    public String username() {
      return name().toLowerCase(Locale.ROOT);
    }

    public String password() {
      return username() + "-password";
    }

    /** {@code sub}: the user's id, fixed in the realm file. */
    public String sub() {
      return String.format("00000000-0000-4000-8000-%012d", number);
    }

    public List<String> realmRoles() {
      return realmRoles;
    }

    public List<String> clientRoles() {
      return clientRoles;
    }
  }

  /** The process ended because its port was taken meanwhile. */
  private static final class PortTaken extends IllegalStateException {
    PortTaken(String message) {
      super(message);
    }
  }

  private static Path moduleTarget() {
    Path here = Path.of("").toAbsolutePath();
    return here.getFileName().toString().equals("api")
        ? here.resolve("target")
        : here.resolve("api").resolve("target");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
