package io.opsflow.device;

import io.opsflow.device.telemetry.FirstContact;
import io.opsflow.device.telemetry.FirstContactListener;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Tells a device's onboarding ({@code device-<id>}) that the health check heard from it: its first
 * telemetry record or its first answered probe. A device registered before onboarding existed has
 * no workflow; that is not an error. The signal is idempotent on the workflow's side.
 */
@Component
public class OnboardingContactSignal implements FirstContactListener {

  private static final Logger log = LoggerFactory.getLogger(OnboardingContactSignal.class);

  private final WorkflowClient client;
  private final JdbcTemplate jdbc;

  public OnboardingContactSignal(WorkflowClient client, JdbcTemplate jdbc) {
    this.client = client;
    this.jdbc = jdbc;
  }

  @Override
  public void firstContact(FirstContact contact) {
    DeviceContact signal =
        new DeviceContact(
            FirstContact.PING.equals(contact.via()) ? DeviceContact.PING : DeviceContact.TELEMETRY,
            address(contact),
            contact.at());
    try {
      client
          .newWorkflowStub(
              DeviceOnboardingWorkflow.class,
              DeviceOnboardingRequest.workflowId(contact.deviceId()))
          .contact(signal);
    } catch (WorkflowNotFoundException noOnboarding) {
      // Closed (decommissioned, failed) or never started: nothing waits for this contact.
      log.debug("device {} has no running onboarding to tell of its contact", contact.deviceId());
    }
  }

  /** The address it was heard from: the probed endpoint's, else the source of its telemetry. */
  private String address(FirstContact contact) {
    List<String> found =
        contact.endpointId() != null
            ? jdbc.queryForList(
                "select host(ip_address) from vpn_endpoints where id = ?",
                String.class,
                contact.endpointId())
            : jdbc.queryForList(
                "select host(source_ip) from telemetry_records where id = ?",
                String.class,
                contact.recordId());
    return found.isEmpty() ? null : found.getFirst();
  }
}
