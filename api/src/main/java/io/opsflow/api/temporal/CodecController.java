package io.opsflow.api.temporal;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opsflow.api.web.ApiException;
import io.opsflow.workers.codec.AesGcmPayloadCodec;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.payload.codec.PayloadCodecException;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The codec server of the Temporal UI and CLI (Temporal's codec-server protocol): {@code POST
 * .../decode} and {@code .../encode} take and answer {@code {"payloads":[{"metadata":{"encoding":
 * "<base64>"},"data":"<base64>"}]}}, the proto3 JSON of {@link Payloads}, run through the same
 * {@link AesGcmPayloadCodec} as the workers. Point the UI's "Data Encoder" at {@value #PATH}; the
 * UI's {@code X-Namespace} header is accepted (the keys are the deployment's, for every namespace).
 * Cross-origin access for the UI: {@link CodecCorsConfiguration}.
 */
@RestController
@RequestMapping(CodecController.PATH)
public class CodecController {

  /** The endpoint, as given to the Temporal UI ({@code --ui-codec-endpoint}). */
  public static final String PATH = "/api/v1/temporal/codec";

  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();

  private final AesGcmPayloadCodec codec;

  /** Without a codec bean ({@code opsflow.temporal.codec.enabled=false}) payloads are in clear. */
  public CodecController(ObjectProvider<AesGcmPayloadCodec> codec) {
    this.codec = codec.getIfAvailable();
  }

  /** The protocol's body, as documented: bytes are base64 (proto3 JSON of Payloads). */
  @Schema(name = "CodecPayloads")
  record CodecPayloads(List<CodecPayload> payloads) {}

  /** One payload: metadata values and data in base64. */
  @Schema(name = "CodecPayload")
  record CodecPayload(Map<String, String> metadata, String data) {}

  @Operation(
      summary = "Decrypts payloads for the Temporal UI and CLI (codec-server protocol)",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = CodecPayloads.class))),
      responses =
          @ApiResponse(
              responseCode = "200",
              content = @Content(schema = @Schema(implementation = CodecPayloads.class))))
  @PostMapping(
      path = "/decode",
      consumes = MediaType.ALL_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<String> decode(@RequestBody String body) {
    return run(body, codec == null ? UnaryOperator.identity() : codec::decode);
  }

  @Operation(
      summary = "Encrypts payloads (codec-server protocol)",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = CodecPayloads.class))),
      responses =
          @ApiResponse(
              responseCode = "200",
              content = @Content(schema = @Schema(implementation = CodecPayloads.class))))
  @PostMapping(
      path = "/encode",
      consumes = MediaType.ALL_VALUE,
      produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<String> encode(@RequestBody String body) {
    return run(body, codec == null ? UnaryOperator.identity() : codec::encode);
  }

  private static ResponseEntity<String> run(String body, UnaryOperator<List<Payload>> operation) {
    Payloads.Builder in = Payloads.newBuilder();
    try {
      PARSER.merge(body, in);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw ApiException.badRequest(
          "payloads",
          "expected {\"payloads\":[{\"metadata\":{...},\"data\":\"<base64>\"}]} (proto3 JSON, bytes"
              + " in base64): "
              + e.getMessage());
    }
    List<Payload> out;
    try {
      out = operation.apply(in.getPayloadsList());
    } catch (PayloadCodecException e) {
      throw ApiException.badRequest("payloads", e.getMessage());
    }
    try {
      return ResponseEntity.ok()
          .contentType(MediaType.APPLICATION_JSON)
          .body(PRINTER.print(Payloads.newBuilder().addAllPayloads(out)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print payloads as JSON", e);
    }
  }
}
