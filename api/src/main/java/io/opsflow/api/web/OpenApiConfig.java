package io.opsflow.api.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.security.RouteRules;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springdoc.core.customizers.GlobalOpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * The OpenAPI document ({@code /v3/api-docs}, Swagger UI at {@code /swagger-ui.html}): every
 * operation with the roles {@link RouteRules} gives it, the bearer-token scheme, and the error
 * shape of its 400, 401, 403, 404 and 409 answers.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfig {

  static final String BEARER = "bearer";
  static final String ERROR = "Error";

  /** Schemas named as the API's JSON is: snake_case, through the application's own mapper. */
  @Bean
  ModelResolver modelResolver(ObjectMapper mapper) {
    return new ModelResolver(mapper);
  }

  @Bean
  OpenAPI opsflowOpenApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("opsflow")
                .version("v1")
                .description(
                    "Operational flows as durable Temporal workflows. Every route but health and"
                        + " this document needs a bearer token: from Keycloak"
                        + " (OPSFLOW_OIDC_ISSUER) or, on the embedded default, from this"
                        + " application's own /oauth2/token (client credentials). Each"
                        + " operation lists the roles it accepts; admin is accepted"
                        + " everywhere."))
        .components(
            new Components()
                .addSecuritySchemes(
                    BEARER,
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("JWT"))
                .addSchemas(ERROR, errorSchema()));
  }

  /**
   * Every field the API writes is present, null when it has no value (Jackson's inclusion is
   * "always"): a property not marked required is documented as nullable.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static void nullableUnlessRequired(Map<String, Schema> schemas) {
    if (schemas == null) {
      return;
    }
    for (Schema schema : schemas.values()) {
      Map<String, Schema> properties = schema.getProperties();
      if (properties == null) {
        continue;
      }
      List<String> required = schema.getRequired() == null ? List.of() : schema.getRequired();
      properties.replaceAll(
          (name, property) -> {
            if (required.contains(name)) {
              return property;
            }
            if (property.get$ref() != null) {
              // OpenAPI 3.0 ignores nullable beside $ref: wrap the reference.
              return new Schema<>().allOf(List.of(property)).nullable(true);
            }
            property.setNullable(true);
            return property;
          });
    }
  }

  static ObjectSchema errorSchema() {
    ObjectSchema error = new ObjectSchema();
    error.setDescription("Every error: the status, its reason, what went wrong, the bad field");
    error.addProperty("status", new IntegerSchema().example(400));
    error.addProperty("error", new StringSchema().example("Bad Request"));
    error.addProperty("detail", new StringSchema().example("station_id: must not be null"));
    error.addProperty("field", new StringSchema().nullable(true).example("station_id"));
    error.setRequired(List.of("status", "error", "detail"));
    return error;
  }

  /** Roles, the security requirement and the error answers on each operation. */
  @Bean
  GlobalOpenApiCustomizer rolesAndErrors() {
    return openApi -> {
      if (openApi.getPaths() == null) {
        return;
      }
      // Added here too: springdoc drops component schemas no operation referred to yet.
      if (openApi.getComponents() == null) {
        openApi.setComponents(new Components());
      }
      openApi.getComponents().addSchemas(ERROR, errorSchema());
      nullableUnlessRequired(openApi.getComponents().getSchemas());
      openApi
          .getPaths()
          .forEach(
              (path, item) -> {
                String concrete = path.replaceAll("\\{[^}]*}", "1");
                for (Map.Entry<PathItem.HttpMethod, Operation> entry :
                    item.readOperationsMap().entrySet()) {
                  Optional<RouteRules.Rule> rule =
                      RouteRules.find(HttpMethod.valueOf(entry.getKey().name()), concrete);
                  describe(entry.getValue(), rule, path.contains("{"), entry.getKey());
                }
              });
    };
  }

  private static void describe(
      Operation operation,
      Optional<RouteRules.Rule> rule,
      boolean hasPathVariables,
      PathItem.HttpMethod method) {
    ApiResponses responses =
        operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
    operation.setResponses(responses);
    if (rule.isPresent() && rule.get().isPublic()) {
      operation.setSecurity(List.of());
      if (rule.get().method() != null) {
        // A public route of the API itself (enrollment: its body is the credential).
        operation.addExtension("x-roles", List.of());
        error(responses, "400", "Bad input; detail and field name it");
        unavailable(responses);
      }
      return;
    }
    List<String> roles = rule.map(RouteRules.Rule::roles).orElse(List.of());
    operation.setSecurity(List.of(new SecurityRequirement().addList(BEARER)));
    operation.addExtension("x-roles", roles);
    String text =
        "Roles: " + (roles.isEmpty() ? "none" : String.join(", ", roles)) + " (or admin).";
    operation.setDescription(
        operation.getDescription() == null ? text : operation.getDescription() + "\n\n" + text);
    error(responses, "401", "No bearer token, or one that is expired or not ours");
    error(responses, "403", "The token lacks the role this operation needs");
    if (method != PathItem.HttpMethod.GET || hasPathVariables) {
      error(responses, "400", "Bad input; detail and field name it");
    }
    if (hasPathVariables) {
      error(responses, "404", "No such resource");
    }
    if (method == PathItem.HttpMethod.POST
        || method == PathItem.HttpMethod.PUT
        || method == PathItem.HttpMethod.PATCH
        || method == PathItem.HttpMethod.DELETE) {
      error(responses, "409", "The resource's state does not allow it");
    }
    unavailable(responses);
  }

  /**
   * 503: a service the operation needs is away. The database's outage names it and carries {@code
   * Retry-After} (ApiExceptionHandler); the workflow engine, a worker pool, the card gateway or a
   * device answer 503 with a detail naming which, and what was kept.
   */
  private static void unavailable(ApiResponses responses) {
    error(
        responses,
        "503",
        "A service the operation needs is unavailable (the database, the workflow engine, a"
            + " worker pool, the card gateway or a device): the detail names it and says what was"
            + " kept; try again, after Retry-After seconds when it is given");
    responses
        .get("503")
        .addHeaderObject(
            "Retry-After",
            new Header()
                .description("Seconds to wait before trying again (given for the database)")
                .schema(new IntegerSchema()));
  }

  private static void error(ApiResponses responses, String code, String description) {
    if (responses.containsKey(code)) {
      return;
    }
    Schema<?> ref = new Schema<>().$ref("#/components/schemas/" + ERROR);
    responses.addApiResponse(
        code,
        new ApiResponse()
            .description(description)
            .content(
                new Content()
                    .addMediaType(
                        org.springframework.http.MediaType.APPLICATION_JSON_VALUE,
                        new MediaType().schema(ref))));
  }
}
