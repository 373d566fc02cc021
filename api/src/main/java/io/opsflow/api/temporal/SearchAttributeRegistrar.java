package io.opsflow.api.temporal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opsflow.SearchAttributes;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Registers the custom search attributes on the namespace once, so sessions can be found in the
 * Temporal UI by station, user and status, and builds by pipeline and status. Where the caller may
 * not (a locked-down cluster), sessions run without them and a warning says what to register by
 * hand.
 */
@Component
public class SearchAttributeRegistrar {

  private static final Logger log = LoggerFactory.getLogger(SearchAttributeRegistrar.class);

  /** Every custom search attribute of every flow. */
  static final List<SearchAttributeKey<?>> ALL = SearchAttributes.ALL;

  private final WorkflowServiceStubs stubs;
  private final String namespace;
  private final boolean enabled;
  private Boolean available;

  public SearchAttributeRegistrar(
      WorkflowServiceStubs stubs,
      @Value("${spring.temporal.namespace:default}") String namespace,
      @Value("${opsflow.temporal.register-search-attributes:true}") boolean enabled) {
    this.stubs = stubs;
    this.namespace = namespace;
    this.enabled = enabled;
  }

  /** Whether workflows may be started with the custom search attributes. */
  public synchronized boolean available() {
    if (available == null) {
      available = enabled && register();
    }
    return available;
  }

  private boolean register() {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(stubs.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      // One request per key: a key that exists (ALREADY_EXISTS) must not keep the others out.
      for (SearchAttributeKey<?> key : ALL) {
        AddSearchAttributesRequest request =
            AddSearchAttributesRequest.newBuilder()
                .setNamespace(namespace)
                .putSearchAttributes(key.getName(), key.getValueType())
                .build();
        try {
          operator.blockingStub().addSearchAttributes(request);
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
            log.warn(
                "search attributes {} could not be registered on namespace {} ({}); workflows run"
                    + " without them",
                ALL.stream().map(SearchAttributeKey::getName).toList(),
                namespace,
                e.getStatus());
            return false;
          }
        }
      }
      return true;
    } finally {
      operator.shutdown();
    }
  }
}
