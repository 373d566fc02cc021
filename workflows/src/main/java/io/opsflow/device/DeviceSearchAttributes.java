package io.opsflow.device;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes of device onboarding workflows, e.g. {@code OpsflowTenant = "acme" and
 * OpsflowDeviceStatus = "contact_timeout"} in the Temporal UI. Keywords only: the dev server's
 * SQLite visibility has three Int columns, all taken; the device id is in the workflow id.
 */
public final class DeviceSearchAttributes {

  public static final SearchAttributeKey<String> TENANT =
      SearchAttributeKey.forKeyword("OpsflowTenant");
  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("OpsflowDeviceStatus");

  public static final List<SearchAttributeKey<?>> ALL = List.of(TENANT, STATUS);

  private DeviceSearchAttributes() {}
}
