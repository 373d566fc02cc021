package io.opsflow.device;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The installer a device runs: a POSIX sh script writing its Nebula files (the CA, its certificate
 * or the one-time redemption of an enrollment code, {@code config.yaml} with its address, the
 * lighthouse, the static host map and the tenant's blocklist) and {@code opsflow.env} with the
 * service URLs, under {@code $OPSFLOW_INSTALL_ROOT} (default {@code /etc/nebula}). It never holds a
 * private key: an own-key device already has it, an enrolling one receives it when it redeems.
 */
public final class DeviceInstaller {

  /** Where the files go when {@code OPSFLOW_INSTALL_ROOT} is not set. */
  public static final String DEFAULT_ROOT = "/etc/nebula";

  /** The media type the installer asks the enrollment route for: key PEM then certificate PEM. */
  public static final String PEM_BUNDLE = "application/x-pem-file";

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9.:/_\\[\\]-]*");
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern CODE = Pattern.compile("[A-Za-z0-9_-]{16,128}");

  /**
   * What goes into one device's installer.
   *
   * @param certificatePem the device's certificate (own-key devices), else null
   * @param enrollmentCode the single-use code (enrolling devices), else null
   * @param lighthouseIp the lighthouse's overlay address, null when the tenant has none
   * @param lighthouseEndpoint where the lighthouse is reached ({@code host:port}), or null
   * @param blocklist the tenant's revoked fingerprints
   * @param syslogTarget {@code host:port} for telemetry, or blank
   */
  public record Input(
      long deviceId,
      String deviceName,
      String tenant,
      String ipAddress,
      int prefixLength,
      String caPem,
      String certificatePem,
      String enrollmentCode,
      String lighthouseIp,
      String lighthouseEndpoint,
      List<String> blocklist,
      String apiUrl,
      String syslogTarget) {

    public Input {
      safe("ip_address", ipAddress);
      safe("lighthouse_ip", lighthouseIp);
      safe("lighthouse_endpoint", lighthouseEndpoint);
      safe("api_url", apiUrl);
      safe("syslog_target", syslogTarget);
      safe("tenant", tenant);
      for (String fingerprint : blocklist) {
        if (!FINGERPRINT.matcher(fingerprint).matches()) {
          throw new IllegalArgumentException("blocklist: not a fingerprint: " + fingerprint);
        }
      }
      if ((certificatePem == null) == (enrollmentCode == null)) {
        throw new IllegalArgumentException("an installer has a certificate or an enrollment code");
      }
      if (enrollmentCode != null && !CODE.matcher(enrollmentCode).matches()) {
        throw new IllegalArgumentException("enrollment code has unexpected characters");
      }
    }
  }

  // Values written into unquoted here-documents and double-quoted strings: nothing the shell would
  // expand or end a quote with.
  private static void safe(String field, String value) {
    if (value != null && !SAFE.matcher(value).matches()) {
      throw new IllegalArgumentException(field + ": characters unsafe in a script: " + value);
    }
  }

  private DeviceInstaller() {}

  /** The installer script. */
  public static String script(Input in) {
    StringBuilder sh = new StringBuilder();
    sh.append("#!/bin/sh\n")
        .append("# opsflow installer for device ")
        .append(in.deviceId())
        .append(" (")
        .append(comment(in.deviceName()))
        .append(") of tenant ")
        .append(in.tenant())
        .append(", Nebula address ")
        .append(in.ipAddress())
        .append('/')
        .append(in.prefixLength())
        .append(".\n")
        .append("# Writes its files into $OPSFLOW_INSTALL_ROOT (default ")
        .append(DEFAULT_ROOT)
        .append("), then: nebula -config <root>/config.yaml\n")
        .append("set -eu\n\n")
        .append("root=\"${OPSFLOW_INSTALL_ROOT:-")
        .append(DEFAULT_ROOT)
        .append("}\"\n")
        .append("umask 077\n")
        .append("mkdir -p \"$root\"\n\n")
        .append("cat > \"$root/ca.crt\" <<'OPSFLOW_CA'\n")
        .append(pem(in.caPem()))
        .append("OPSFLOW_CA\n\n");
    if (in.certificatePem() != null) {
      sh.append("# This device registered its own public key: its private key never left it.\n")
          .append("if [ ! -s \"$root/host.key\" ]; then\n")
          .append("  echo \"opsflow: $root/host.key is missing: put there the private key whose")
          .append(" public key was registered (nebula-cert keygen -out-key host.key -out-pub")
          .append(" host.pub)\" >&2\n")
          .append("  exit 1\n")
          .append("fi\n")
          .append("cat > \"$root/host.crt\" <<'OPSFLOW_CERT'\n")
          .append(pem(in.certificatePem()))
          .append("OPSFLOW_CERT\n\n");
    } else {
      sh.append("# Single-use enrollment: the code is redeemed once for this device's key and")
          .append(" certificate.\n")
          .append("if [ -s \"$root/host.key\" ] && [ -s \"$root/host.crt\" ]; then\n")
          .append("  echo \"opsflow: $root/host.key and host.crt exist: already enrolled\"\n")
          .append("else\n")
          .append("  # Where this device reaches opsflow; OPSFLOW_API_URL overrides it.\n")
          .append("  api=\"${OPSFLOW_API_URL:-")
          .append(in.apiUrl())
          .append("}\"\n")
          .append("  bundle=\"$root/enrollment.$$\"\n")
          .append("  body='{\"code\":\"")
          .append(in.enrollmentCode())
          .append("\"}'\n")
          .append("  if command -v curl >/dev/null 2>&1; then\n")
          .append("    curl -fsS -X POST -H 'Content-Type: application/json' -H 'Accept: ")
          .append(PEM_BUNDLE)
          .append("' --data \"$body\" -o \"$bundle\" \"$api/api/v1/enroll\"\n")
          .append("  elif command -v wget >/dev/null 2>&1; then\n")
          .append("    wget -q --header='Content-Type: application/json' --header='Accept: ")
          .append(PEM_BUNDLE)
          .append("' --post-data=\"$body\" -O \"$bundle\" \"$api/api/v1/enroll\"\n")
          .append("  else\n")
          .append("    echo 'opsflow: neither curl nor wget found to enroll' >&2\n")
          .append("    exit 1\n")
          .append("  fi\n")
          .append("  awk '/-----BEGIN NEBULA X25519 PRIVATE KEY-----/{p=1} p{print}")
          .append(" /-----END NEBULA X25519 PRIVATE KEY-----/{p=0}' \"$bundle\" >")
          .append(" \"$root/host.key\"\n")
          .append("  awk '/-----BEGIN NEBULA CERTIFICATE-----/{p=1} p{print}")
          .append(" /-----END NEBULA CERTIFICATE-----/{p=0}' \"$bundle\" > \"$root/host.crt\"\n")
          .append("  rm -f \"$bundle\"\n")
          .append("  if [ ! -s \"$root/host.key\" ] || [ ! -s \"$root/host.crt\" ]; then\n")
          .append("    echo 'opsflow: the enrollment answer held no key and certificate' >&2\n")
          .append("    exit 1\n")
          .append("  fi\n")
          .append("fi\n\n");
    }
    sh.append("cat > \"$root/config.yaml\" <<OPSFLOW_CONFIG\n")
        .append(nebulaConfig(in, "$root"))
        .append("OPSFLOW_CONFIG\n\n")
        .append("cat > \"$root/opsflow.env\" <<'OPSFLOW_ENV'\n")
        .append("OPSFLOW_DEVICE_ID=")
        .append(in.deviceId())
        .append('\n')
        .append("OPSFLOW_TENANT=")
        .append(in.tenant())
        .append('\n')
        .append("OPSFLOW_NEBULA_IP=")
        .append(in.ipAddress())
        .append('\n')
        .append("OPSFLOW_API_URL=")
        .append(in.apiUrl())
        .append('\n')
        .append("OPSFLOW_CONFIG_URL=")
        .append(in.apiUrl())
        .append("/api/v1/devices/")
        .append(in.deviceId())
        .append("/config\n")
        .append("OPSFLOW_SYSLOG_TARGET=")
        .append(in.syslogTarget() == null ? "" : in.syslogTarget())
        .append('\n')
        .append("OPSFLOW_ENV\n\n")
        .append("if ! command -v nebula >/dev/null 2>&1; then\n")
        .append("  echo 'opsflow: nebula is not installed (Debian/Ubuntu: apt-get install nebula)'")
        .append(" >&2\n")
        .append("fi\n")
        .append("echo \"opsflow: installed into $root; start with: nebula -config")
        .append(" $root/config.yaml\"\n");
    return sh.toString();
  }

  /**
   * Nebula's {@code config.yaml} for the device, its files under {@code root} (a literal path, or
   * {@code $root} inside the script). Served alone by the config route, with the blocklist as it is
   * now.
   */
  public static String nebulaConfig(Input in, String root) {
    StringBuilder y = new StringBuilder();
    y.append("# Nebula config of device ")
        .append(in.deviceId())
        .append(" of tenant ")
        .append(in.tenant())
        .append(" (opsflow)\n")
        .append("pki:\n")
        .append("  ca: \"")
        .append(root)
        .append("/ca.crt\"\n")
        .append("  cert: \"")
        .append(root)
        .append("/host.crt\"\n")
        .append("  key: \"")
        .append(root)
        .append("/host.key\"\n");
    if (in.blocklist().isEmpty()) {
      y.append("  blocklist: []\n");
    } else {
      y.append("  blocklist:\n");
      in.blocklist().forEach(fp -> y.append("    - ").append(fp).append('\n'));
    }
    boolean lighthouse = in.lighthouseIp() != null && in.lighthouseEndpoint() != null;
    y.append("static_host_map:\n");
    if (lighthouse) {
      y.append("  \"")
          .append(in.lighthouseIp())
          .append("\": [\"")
          .append(in.lighthouseEndpoint())
          .append("\"]\n");
    } else {
      y.setLength(y.length() - 1);
      y.append(" {}\n");
    }
    y.append("lighthouse:\n").append("  am_lighthouse: false\n").append("  interval: 60\n");
    if (lighthouse) {
      y.append("  hosts:\n").append("    - \"").append(in.lighthouseIp()).append("\"\n");
    } else {
      y.append("  hosts: []\n");
    }
    y.append("listen:\n")
        .append("  host: 0.0.0.0\n")
        .append("  port: 0\n")
        .append("punchy:\n")
        .append("  punch: true\n")
        .append("tun:\n")
        .append("  disabled: false\n")
        .append("  dev: nebula1\n")
        .append("  mtu: 1300\n")
        .append("logging:\n")
        .append("  level: info\n")
        .append("  format: text\n")
        .append("firewall:\n")
        .append("  outbound:\n")
        .append("    - port: any\n")
        .append("      proto: any\n")
        .append("      host: any\n")
        .append("  inbound:\n")
        .append("    - port: any\n")
        .append("      proto: icmp\n")
        .append("      host: any\n");
    return y.toString();
  }

  private static String pem(String pem) {
    String text = pem.strip();
    if (text.contains("OPSFLOW_")) {
      throw new IllegalArgumentException("a PEM cannot contain the here-document delimiter");
    }
    return text + "\n";
  }

  private static String comment(String name) {
    return name == null ? "" : name.replaceAll("[^A-Za-z0-9 ._-]", "?");
  }
}
