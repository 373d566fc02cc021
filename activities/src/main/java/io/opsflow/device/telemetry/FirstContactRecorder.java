package io.opsflow.device.telemetry;

import java.sql.Timestamp;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Keeps each device's first contact in {@code device_first_contacts} (the first one wins). */
@Component
public class FirstContactRecorder implements FirstContactListener {

  private final JdbcTemplate jdbc;

  public FirstContactRecorder(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public void firstContact(FirstContact contact) {
    jdbc.update(
        "insert into device_first_contacts (device_id, contact_at, via, record_id, endpoint_id)"
            + " values (?, ?, ?, ?, ?) on conflict (device_id) do nothing",
        contact.deviceId(),
        Timestamp.from(contact.at()),
        contact.via(),
        contact.recordId(),
        contact.endpointId());
  }
}
