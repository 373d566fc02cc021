package io.opsflow.pass;

import java.util.List;

/**
 * A telemetry parameter compared with a value, e.g. {@code battery_voltage ge 7.2}.
 *
 * @param parameter the TM parameter's name
 * @param op one of {@code eq ne lt le gt ge}
 * @param value the number compared with
 */
public record ParameterCondition(String parameter, String op, Double value) {

  public static final List<String> OPS = List.of("eq", "ne", "lt", "le", "gt", "ge");
}
