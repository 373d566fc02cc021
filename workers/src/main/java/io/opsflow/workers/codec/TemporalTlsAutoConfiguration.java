package io.opsflow.workers.codec;

import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.spring.boot.autoconfigure.ServiceStubsAutoConfiguration;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;

/**
 * TLS (and mTLS) to a Temporal cluster from {@link TemporalTlsProperties}. The starter's {@code
 * spring.temporal.connection.mtls.*} (1.35) takes a client certificate and key but no CA to trust,
 * and reads empty strings as file names, so the environment variables are mapped here instead: a
 * {@link WorkflowServiceStubsOptions} customizer, applied only when one of them is set.
 */
@AutoConfiguration(before = ServiceStubsAutoConfiguration.class)
@EnableConfigurationProperties(TemporalTlsProperties.class)
public class TemporalTlsAutoConfiguration {

  private static final Logger log = LoggerFactory.getLogger(TemporalTlsAutoConfiguration.class);

  @Bean
  TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder> opsflowTemporalTls(
      TemporalTlsProperties tls) {
    if (!tls.enabled()) {
      return builder -> builder;
    }
    SslSettings settings = SslSettings.of(tls);
    log.info("Temporal connection over TLS ({})", settings);
    return builder -> {
      builder.setSslContext(settings.context());
      if (StringUtils.hasText(tls.serverName())) {
        String name = tls.serverName().trim();
        builder.setChannelInitializer(channel -> channel.overrideAuthority(name));
      }
      return builder;
    };
  }

  /** The SSL context, built once at start-up so a bad file fails the start. */
  record SslSettings(io.grpc.netty.shaded.io.netty.handler.ssl.SslContext context, String text) {

    static SslSettings of(TemporalTlsProperties tls) {
      boolean cert = StringUtils.hasText(tls.certFile());
      boolean key = StringUtils.hasText(tls.keyFile());
      if (cert != key) {
        throw new IllegalStateException(
            "TLS to Temporal: TEMPORAL_TLS_CERT (opsflow.temporal.tls.cert-file) and"
                + " TEMPORAL_TLS_KEY (key-file) go together; only "
                + (cert ? "the certificate" : "the key")
                + " is set");
      }
      try {
        SimpleSslContextBuilder builder;
        if (cert) {
          try (InputStream certIn = Files.newInputStream(Path.of(tls.certFile().trim()));
              InputStream keyIn = Files.newInputStream(Path.of(tls.keyFile().trim()))) {
            builder = SimpleSslContextBuilder.forPKCS8(certIn, keyIn);
            if (StringUtils.hasText(tls.caFile())) {
              builder.setTrustManager(trustManager(Path.of(tls.caFile().trim())));
            }
            return new SslSettings(builder.build(), describe(tls));
          }
        }
        builder = SimpleSslContextBuilder.noKeyOrCertChain();
        builder.setTrustManager(trustManager(Path.of(tls.caFile().trim())));
        return new SslSettings(builder.build(), describe(tls));
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException(
            "TLS to Temporal: cannot read the certificate, key or CA file (" + e.getMessage() + ")",
            e);
      }
    }

    private static String describe(TemporalTlsProperties tls) {
      return (StringUtils.hasText(tls.certFile())
              ? "client certificate " + tls.certFile()
              : "no client certificate")
          + (StringUtils.hasText(tls.caFile()) ? ", CA " + tls.caFile() : ", the JDK's CAs")
          + (StringUtils.hasText(tls.serverName()) ? ", server name " + tls.serverName() : "");
    }

    @Override
    public String toString() {
      return text;
    }
  }

  static TrustManager trustManager(Path caFile) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caFile)) {
      int i = 0;
      for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, ca);
      }
      if (i == 0) {
        throw new GeneralSecurityException("no certificate in " + caFile);
      }
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory.getTrustManagers()[0];
  }
}
