package io.opsflow;

import io.opsflow.build.BuildSearchAttributes;
import io.opsflow.device.DeviceSearchAttributes;
import io.opsflow.device.connectivity.ConnectivitySearchAttributes;
import io.opsflow.flight.FlightSearchAttributes;
import io.opsflow.pass.PassSearchAttributes;
import io.opsflow.session.SessionSearchAttributes;
import io.opsflow.workload.WorkloadSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.common.SearchAttributeKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every custom search attribute of every flow: registered on the namespace by the API at start-up
 * and passed to {@code temporal server start-dev --search-attribute} by the embedded default.
 */
public final class SearchAttributes {

  /** Every custom search attribute of every flow, in a stable order. */
  public static final List<SearchAttributeKey<?>> ALL =
      Stream.of(
              SessionSearchAttributes.ALL,
              BuildSearchAttributes.ALL,
              WorkloadSearchAttributes.ALL,
              PassSearchAttributes.ALL,
              ConnectivitySearchAttributes.ALL,
              FlightSearchAttributes.ALL,
              DeviceSearchAttributes.ALL)
          .flatMap(List::stream)
          .toList();

  private SearchAttributes() {}

  /** Every attribute's name with its CLI type, for {@code --search-attribute <name>=<type>}. */
  public static Map<String, String> cliTypes() {
    Map<String, String> types = new LinkedHashMap<>();
    ALL.forEach(key -> types.put(key.getName(), cliType(key)));
    return types;
  }

  /**
   * The type as the Temporal CLI spells it ({@code Int}, {@code Keyword}, ...), for {@code
   * --search-attribute <name>=<type>}.
   */
  public static String cliType(SearchAttributeKey<?> key) {
    return cliType(key.getValueType());
  }

  static String cliType(IndexedValueType type) {
    return switch (type) {
      case INDEXED_VALUE_TYPE_TEXT -> "Text";
      case INDEXED_VALUE_TYPE_KEYWORD -> "Keyword";
      case INDEXED_VALUE_TYPE_INT -> "Int";
      case INDEXED_VALUE_TYPE_DOUBLE -> "Double";
      case INDEXED_VALUE_TYPE_BOOL -> "Bool";
      case INDEXED_VALUE_TYPE_DATETIME -> "Datetime";
      case INDEXED_VALUE_TYPE_KEYWORD_LIST -> "KeywordList";
      default -> throw new IllegalArgumentException("no search attribute type " + type);
    };
  }
}
