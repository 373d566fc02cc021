package io.opsflow.devices;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * MikroTik RouterOS v7 REST API ({@code /rest/ip/firewall/...}, basic auth). A console is blocked
 * by a forward drop rule on its MAC (seed diagram 8). When its IP is known, a guard rule drops it
 * unless it is on the allow list, and the allow entry carries a RouterOS {@code timeout}: if the
 * platform goes down mid-session, the router itself closes the console's network at the end.
 */
@Component
public class RouterOsClient {

  private static final String FILTER = "/rest/ip/firewall/filter";
  private static final String ADDRESS_LIST = "/rest/ip/firewall/address-list";

  private final HttpClient http;
  private final ObjectMapper mapper;
  private final DeviceProperties properties;

  public RouterOsClient(ObjectMapper mapper, DeviceProperties properties) {
    this.mapper = mapper;
    this.properties = properties;
    this.http = HttpClient.newBuilder().connectTimeout(properties.httpTimeout()).build();
  }

  public boolean configured() {
    return properties.router().url() != null && !properties.router().url().isBlank();
  }

  /** The router's name for the circuit breaker. */
  public String deviceName() {
    return "router:" + properties.router().url();
  }

  /** Lets the console out: removes its block rule, adds or refreshes the timed allow entry. */
  public void open(long stationId, String mac, String ip, long allowSeconds)
      throws IOException, InterruptedException, DeviceException {
    for (JsonNode rule : list(FILTER, Map.of("comment", blockComment(stationId)))) {
      delete(FILTER, rule.path(".id").asText());
    }
    if (ip == null || ip.isBlank()) {
      return;
    }
    String allowList = properties.router().allowList();
    String timeout = Math.max(allowSeconds, 1) + "s";
    List<JsonNode> entries = list(ADDRESS_LIST, Map.of("list", allowList, "address", ip));
    if (entries.isEmpty()) {
      Map<String, String> entry = new LinkedHashMap<>();
      entry.put("list", allowList);
      entry.put("address", ip);
      entry.put("timeout", timeout);
      entry.put("comment", "opsflow station " + stationId);
      send("PUT", ADDRESS_LIST, entry);
    } else {
      for (JsonNode e : entries) {
        send("PATCH", ADDRESS_LIST + "/" + e.path(".id").asText(), Map.of("timeout", timeout));
      }
    }
    if (list(FILTER, Map.of("comment", guardComment(stationId))).isEmpty()) {
      Map<String, String> guard = new LinkedHashMap<>();
      guard.put("chain", "forward");
      guard.put("src-mac-address", mac);
      guard.put("src-address-list", "!" + allowList);
      guard.put("action", "drop");
      guard.put("comment", guardComment(stationId));
      send("PUT", FILTER, guard);
    }
  }

  /** Blocks the console: the drop rule on its MAC, and no allow entry left. */
  public void block(long stationId, String mac, String ip)
      throws IOException, InterruptedException, DeviceException {
    if (list(FILTER, Map.of("comment", blockComment(stationId))).isEmpty()) {
      Map<String, String> rule = new LinkedHashMap<>();
      rule.put("chain", "forward");
      rule.put("src-mac-address", mac);
      rule.put("action", "drop");
      rule.put("comment", blockComment(stationId));
      send("PUT", FILTER, rule);
    }
    if (ip != null && !ip.isBlank()) {
      for (JsonNode e :
          list(ADDRESS_LIST, Map.of("list", properties.router().allowList(), "address", ip))) {
        delete(ADDRESS_LIST, e.path(".id").asText());
      }
    }
  }

  static String blockComment(long stationId) {
    return "opsflow-block-station-" + stationId;
  }

  static String guardComment(long stationId) {
    return "opsflow-guard-station-" + stationId;
  }

  private List<JsonNode> list(String menu, Map<String, String> filter)
      throws IOException, InterruptedException, DeviceException {
    StringBuilder query = new StringBuilder();
    for (Map.Entry<String, String> f : filter.entrySet()) {
      query.append(query.isEmpty() ? "?" : "&");
      query
          .append(f.getKey())
          .append('=')
          .append(URLEncoder.encode(f.getValue(), StandardCharsets.UTF_8));
    }
    JsonNode items = send("GET", menu + query, null);
    List<JsonNode> result = new ArrayList<>();
    items.forEach(result::add);
    return result;
  }

  private void delete(String menu, String id)
      throws IOException, InterruptedException, DeviceException {
    send("DELETE", menu + "/" + URLEncoder.encode(id, StandardCharsets.UTF_8), null);
  }

  private JsonNode send(String method, String path, Map<String, String> body)
      throws IOException, InterruptedException, DeviceException {
    DeviceProperties.Router router = properties.router();
    String credentials = router.username() + ":" + router.password();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(ShellyPlugClient.stripSlash(router.url()) + path))
            .timeout(properties.httpTimeout())
            .header(
                "Authorization",
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json");
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body));
    HttpResponse<String> response =
        http.send(request.method(method, publisher).build(), HttpResponse.BodyHandlers.ofString());
    int code = response.statusCode();
    if (code == 404 && "DELETE".equals(method)) {
      return mapper.createObjectNode(); // already gone
    }
    if (code / 100 != 2) {
      throw new DeviceException(
          "ROUTER_ERROR",
          "router " + method + " " + path + " answered " + code + ": " + response.body());
    }
    return response.body().isBlank() ? mapper.createObjectNode() : mapper.readTree(response.body());
  }
}
