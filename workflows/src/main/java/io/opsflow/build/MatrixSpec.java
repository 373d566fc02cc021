package io.opsflow.build;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's {@code strategy} as written: expanded into job instances when a build starts ({@link
 * MatrixExpansion}). Values are expression values (strings, doubles, booleans, lists, maps); a
 * string holding {@code ${{ }}} is evaluated then (e.g. {@code ${{ fromJSON(inputs.versions) }}}).
 *
 * @param matrix {@code strategy.matrix}: a mapping of axes (each a list, or an expression giving
 *     one) with optional {@code include} and {@code exclude}; or an expression string giving such a
 *     mapping
 * @param failFast {@code strategy.fail-fast}, default true
 * @param maxParallel {@code strategy.max-parallel}, or null
 */
public record MatrixSpec(Object matrix, boolean failFast, Integer maxParallel) {
  public MatrixSpec {
    if (matrix instanceof Map<?, ?> map) {
      matrix = Collections.unmodifiableMap(new LinkedHashMap<>(map));
    } else if (matrix instanceof List<?> list) {
      matrix = List.copyOf(list);
    }
  }
}
