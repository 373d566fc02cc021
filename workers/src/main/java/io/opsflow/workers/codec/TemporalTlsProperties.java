package io.opsflow.workers.codec;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.StringUtils;

/**
 * TLS to a real Temporal cluster ({@code opsflow.temporal.tls.*}; environment variables {@code
 * TEMPORAL_TLS_CERT}, {@code TEMPORAL_TLS_KEY}, {@code TEMPORAL_TLS_CA}, {@code
 * TEMPORAL_TLS_SERVER_NAME}). Nothing set: a plain connection (the embedded dev server), unless the
 * starter's own {@code spring.temporal.connection.mtls.*} is configured.
 *
 * @param certFile PEM client certificate chain (mTLS); needs {@code keyFile}
 * @param keyFile PEM PKCS#8 private key of the client certificate
 * @param caFile PEM CA certificate(s) the server's certificate is checked against; default the
 *     JDK's trusted CAs
 * @param serverName the name expected in the server's certificate, when it differs from the host of
 *     the target
 */
@ConfigurationProperties(prefix = "opsflow.temporal.tls")
public record TemporalTlsProperties(
    String certFile, String keyFile, String caFile, String serverName) {

  /** Whether TLS is asked for. */
  public boolean enabled() {
    return StringUtils.hasText(certFile)
        || StringUtils.hasText(keyFile)
        || StringUtils.hasText(caFile);
  }
}
