package io.opsflow.pass;

/**
 * The parameters of an action; each type reads its own (see {@link ActionType}) and ignores the
 * rest.
 *
 * @param apid the telecommand's application process id, 0..2047 ({@code send_telecommand})
 * @param command the telecommand's name ({@code send_telecommand})
 * @param payloadHex the telecommand's application data as hex, optional ({@code send_telecommand})
 * @param verifier what proves the telecommand worked ({@code send_telecommand})
 * @param condition a telemetry parameter condition ({@code wait_telemetry}, {@code
 *     check_parameter})
 * @param timeoutSeconds how long to wait, 1..86400 ({@code send_telecommand}, {@code
 *     wait_telemetry}, {@code operator_confirm})
 * @param durationSeconds how long to wait, 1..86400 ({@code delay})
 * @param prompt what the operator is asked ({@code operator_confirm})
 */
public record NodeParameters(
    Integer apid,
    String command,
    String payloadHex,
    Verifier verifier,
    ParameterCondition condition,
    Integer timeoutSeconds,
    Integer durationSeconds,
    String prompt) {}
