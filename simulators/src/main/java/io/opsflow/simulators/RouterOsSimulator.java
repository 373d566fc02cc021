package io.opsflow.simulators;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A MikroTik router's RouterOS v7 REST API, limited to {@code /rest/ip/firewall/filter} and {@code
 * /rest/ip/firewall/address-list}, behind HTTP basic auth.
 *
 * <p>Per menu: {@code GET} lists (query parameters filter by field, {@code .proplist} selects
 * fields), {@code GET /{id}}, {@code PUT} creates, {@code PATCH /{id}} updates, {@code DELETE
 * /{id}} removes and {@code POST /remove} with {@code {".id":"*1,*2"}} removes several. All values
 * are strings as on the router. Address-list entries with a {@code timeout} are dynamic and vanish
 * when it runs out.
 */
public final class RouterOsSimulator extends HttpSimulator {

  private static final String FILTER = "/rest/ip/firewall/filter";
  private static final String ADDRESS_LIST = "/rest/ip/firewall/address-list";
  private static final Set<String> ACTIONS =
      Set.of(
          "accept",
          "drop",
          "reject",
          "jump",
          "return",
          "log",
          "passthrough",
          "tarpit",
          "fasttrack-connection",
          "add-src-to-address-list",
          "add-dst-to-address-list");
  private static final DateTimeFormatter CREATION_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  /** One configuration item; {@code expiresAt} only for address-list entries with a timeout. */
  private static final class Item {
    final Map<String, String> fields = new LinkedHashMap<>();
    Instant expiresAt;
  }

  private final String user;
  private final String password;
  private final List<Item> filter = new ArrayList<>();
  private final List<Item> addressList = new ArrayList<>();
  private final Map<String, Integer> blockRuleAdds = new HashMap<>();
  private int nextId = 1;

  private RouterOsSimulator(String user, String password) {
    this.user = Objects.requireNonNull(user);
    this.password = Objects.requireNonNull(password);
  }

  /** Starts a router on a free port accepting {@code user}/{@code password}. */
  public static RouterOsSimulator start(String user, String password) throws IOException {
    return start(0, user, password);
  }

  /** Starts a router on {@code port} (0 = free port) accepting {@code user}/{@code password}. */
  public static RouterOsSimulator start(int port, String user, String password) throws IOException {
    RouterOsSimulator router = new RouterOsSimulator(user, password);
    router.bind(port);
    return router;
  }

  /** A request the router refuses, with RouterOS's error body. */
  private static final class ApiError extends Exception {
    final int status;
    final Map<String, Object> body = new LinkedHashMap<>();

    ApiError(int status, String message, String detail) {
      super(message, null, false, false);
      this.status = status;
      body.put("error", status);
      body.put("message", message);
      if (detail != null) {
        body.put("detail", detail);
      }
    }

    static ApiError badRequest(String detail) {
      return new ApiError(400, "Bad Request", detail);
    }

    static ApiError notFound() {
      return new ApiError(404, "Not Found", null);
    }
  }

  @Override
  protected void handle(HttpExchange exchange) throws IOException {
    if (!(user + ":" + password).equals(Http.basicCredentials(exchange))) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"RouterOS\"");
      Http.sendJson(exchange, 401, Map.of("error", 401, "message", "Unauthorized"));
      return;
    }
    String path = exchange.getRequestURI().getPath();
    String menu =
        path.startsWith(FILTER) ? FILTER : path.startsWith(ADDRESS_LIST) ? ADDRESS_LIST : "";
    String rest = path.substring(menu.length());
    try {
      if (menu.isEmpty() || !(rest.isEmpty() || rest.startsWith("/"))) {
        throw new ApiError(400, "Bad Request", "no such command or directory");
      }
      String body = Http.body(exchange);
      Object result = route(exchange.getRequestMethod(), menu, rest, body, Http.query(exchange));
      if (result == null) {
        Http.sendEmpty(exchange, 204);
      } else {
        Http.sendJson(exchange, 200, result);
      }
    } catch (ApiError e) {
      Http.sendJson(exchange, e.status, e.body);
    }
  }

  private synchronized Object route(
      String method, String menu, String rest, String body, Map<String, String> query)
      throws ApiError {
    purgeExpired();
    boolean isFilter = menu.equals(FILTER);
    List<Item> items = isFilter ? filter : addressList;
    String id = rest.isEmpty() ? null : rest.substring(1);
    return switch (method) {
      case "GET" -> id == null ? list(items, query) : view(find(items, id));
      case "PUT" -> {
        requireNoId(id);
        yield view(isFilter ? createRule(parse(body)) : createEntry(parse(body)));
      }
      case "PATCH" -> view(update(find(items, requireId(id)), parse(body), isFilter));
      case "DELETE" -> {
        items.remove(find(items, requireId(id)));
        yield null;
      }
      case "POST" -> {
        if (!"remove".equals(id)) {
          throw ApiError.badRequest("no such command");
        }
        remove(items, parse(body));
        yield List.of();
      }
      default -> throw ApiError.badRequest("no such command");
    };
  }

  private static void requireNoId(String id) throws ApiError {
    if (id != null) {
      throw ApiError.badRequest("no such command");
    }
  }

  private static String requireId(String id) throws ApiError {
    if (id == null) {
      throw ApiError.badRequest("missing .id");
    }
    return id;
  }

  private List<Map<String, String>> list(List<Item> items, Map<String, String> query) {
    String proplist = query.remove(".proplist");
    List<Map<String, String>> out = new ArrayList<>();
    for (Item item : items) {
      Map<String, String> view = view(item);
      if (query.entrySet().stream().allMatch(q -> q.getValue().equals(view.get(q.getKey())))) {
        if (proplist != null) {
          view.keySet().retainAll(Arrays.asList(proplist.split(",")));
        }
        out.add(view);
      }
    }
    return out;
  }

  private static Item find(List<Item> items, String id) throws ApiError {
    for (Item item : items) {
      if (item.fields.get(".id").equals(id)) {
        return item;
      }
    }
    throw ApiError.notFound();
  }

  private static Map<String, String> parse(String body) throws ApiError {
    JsonNode node;
    try {
      node = Http.JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("JSON parse error: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw ApiError.badRequest("expected a JSON object");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!field.getValue().isValueNode() || field.getValue().isNull()) {
        throw ApiError.badRequest("invalid value for argument " + field.getKey());
      }
      fields.put(field.getKey(), field.getValue().asText());
    }
    return fields;
  }

  private Item createRule(Map<String, String> body) throws ApiError {
    body.remove(".id");
    String placeBefore = body.remove("place-before");
    requireFields(body, "chain");
    Item rule = newItem(body);
    rule.fields.putIfAbsent("action", "accept");
    validateRule(rule.fields);
    rule.fields.putIfAbsent("disabled", "false");
    rule.fields.putIfAbsent("dynamic", "false");
    rule.fields.putIfAbsent("invalid", "false");
    int at = placeBefore == null ? filter.size() : filter.indexOf(find(filter, placeBefore));
    filter.add(at, rule);
    String mac = rule.fields.get("src-mac-address");
    if ("drop".equals(rule.fields.get("action")) && mac != null) {
      blockRuleAdds.merge(mac.toUpperCase(Locale.ROOT), 1, Integer::sum);
    }
    return rule;
  }

  private Item createEntry(Map<String, String> body) throws ApiError {
    body.remove(".id");
    requireFields(body, "list", "address");
    for (Item existing : addressList) {
      if (existing.fields.get("list").equals(body.get("list"))
          && existing.fields.get("address").equals(body.get("address"))) {
        throw ApiError.badRequest("failure: already have such entry");
      }
    }
    Item entry = newItem(body);
    entry.fields.put("creation-time", LocalDateTime.now().format(CREATION_TIME));
    normalizeDisabled(entry.fields);
    entry.fields.putIfAbsent("disabled", "false");
    entry.fields.put("dynamic", "false");
    if (entry.fields.containsKey("timeout")) {
      entry.expiresAt = expiry(entry.fields.get("timeout"));
      entry.fields.put("dynamic", "true");
    }
    addressList.add(entry);
    return entry;
  }

  private Item newItem(Map<String, String> body) {
    Item item = new Item();
    item.fields.put(".id", "*" + Integer.toHexString(nextId++).toUpperCase(Locale.ROOT));
    item.fields.putAll(body);
    return item;
  }

  private static void requireFields(Map<String, String> body, String... names) throws ApiError {
    List<String> missing =
        Arrays.stream(names).filter(n -> body.getOrDefault(n, "").isEmpty()).toList();
    if (!missing.isEmpty()) {
      throw ApiError.badRequest("missing value(s) of argument(s) " + String.join(", ", missing));
    }
  }

  private static void validateRule(Map<String, String> fields) throws ApiError {
    if (!ACTIONS.contains(fields.get("action"))) {
      throw ApiError.badRequest("input does not match any value of action");
    }
    if (fields.get("chain").isEmpty()) {
      throw ApiError.badRequest("missing value(s) of argument(s) chain");
    }
    normalizeDisabled(fields);
  }

  private static void normalizeDisabled(Map<String, String> fields) throws ApiError {
    String disabled = fields.get("disabled");
    if (disabled != null) {
      switch (disabled) {
        case "true", "yes" -> fields.put("disabled", "true");
        case "false", "no" -> fields.put("disabled", "false");
        default -> throw ApiError.badRequest("value of disabled must be true or false");
      }
    }
  }

  private static Instant expiry(String timeout) throws ApiError {
    try {
      return Instant.now().plus(RouterOsDuration.parse(timeout));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
  }

  private static Item update(Item item, Map<String, String> body, boolean isFilter)
      throws ApiError {
    body.remove(".id");
    Map<String, String> updated = new LinkedHashMap<>(item.fields);
    updated.putAll(body);
    if (isFilter) {
      validateRule(updated);
    } else {
      normalizeDisabled(updated);
    }
    Instant expiresAt = item.expiresAt;
    // Setting timeout again restarts it, as `set timeout=` does on the router.
    if (!isFilter && body.containsKey("timeout")) {
      expiresAt = expiry(body.get("timeout"));
      updated.put("dynamic", "true");
    }
    item.fields.putAll(updated);
    item.expiresAt = expiresAt;
    return item;
  }

  private static void remove(List<Item> items, Map<String, String> body) throws ApiError {
    String ids = body.get(".id");
    if (ids == null) {
      throw ApiError.badRequest("missing value(s) of argument(s) .id");
    }
    List<Item> doomed = new ArrayList<>();
    for (String id : ids.split(",")) {
      try {
        doomed.add(find(items, id.trim()));
      } catch (ApiError notFound) {
        throw ApiError.badRequest("no such item");
      }
    }
    items.removeAll(doomed);
  }

  private void purgeExpired() {
    Instant now = Instant.now();
    for (Iterator<Item> it = addressList.iterator(); it.hasNext(); ) {
      Instant expiresAt = it.next().expiresAt;
      if (expiresAt != null && !expiresAt.isAfter(now)) {
        it.remove();
      }
    }
  }

  private static Map<String, String> view(Item item) {
    Map<String, String> view = new LinkedHashMap<>(item.fields);
    if (item.expiresAt != null) {
      long millis = Duration.between(Instant.now(), item.expiresAt).toMillis();
      view.put("timeout", RouterOsDuration.format(Duration.ofSeconds((millis + 999) / 1000)));
    }
    return view;
  }

  /** Firewall filter rules in rule order, as the REST API would list them. */
  public synchronized List<Map<String, String>> filterRules() {
    purgeExpired();
    return filter.stream().map(RouterOsSimulator::view).toList();
  }

  /** Live address-list entries (expired ones removed), with remaining {@code timeout}. */
  public synchronized List<Map<String, String>> addressList() {
    purgeExpired();
    return addressList.stream().map(RouterOsSimulator::view).toList();
  }

  /**
   * Whether an enabled {@code chain=forward action=drop} rule matches {@code mac} as {@code
   * src-mac-address} (case-insensitive) without narrowing it to a {@code src-address-list}.
   */
  public synchronized boolean isMacBlocked(String mac) {
    return filter.stream()
        .map(rule -> rule.fields)
        .anyMatch(
            f ->
                !"true".equals(f.get("disabled"))
                    && "drop".equals(f.get("action"))
                    && "forward".equals(f.get("chain"))
                    && mac.equalsIgnoreCase(f.get("src-mac-address"))
                    && f.getOrDefault("src-address-list", "").isEmpty());
  }

  /** Whether {@code list} currently holds {@code address}. */
  public synchronized boolean hasAddressListEntry(String list, String address) {
    purgeExpired();
    return addressList.stream()
        .anyMatch(
            e -> list.equals(e.fields.get("list")) && address.equals(e.fields.get("address")));
  }

  /** How many {@code action=drop} rules for {@code mac} were created since start. */
  public synchronized int blockRuleAddCount(String mac) {
    return blockRuleAdds.getOrDefault(mac.toUpperCase(Locale.ROOT), 0);
  }
}
