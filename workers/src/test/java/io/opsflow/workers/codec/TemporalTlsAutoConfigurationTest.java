package io.opsflow.workers.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.ResolvableType;

/** TEMPORAL_TLS_* only turn TLS on when set, and a half configuration is a clear error. */
class TemporalTlsAutoConfigurationTest {

  final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(TemporalTlsAutoConfiguration.class));

  @SuppressWarnings("unchecked")
  static WorkflowServiceStubsOptions customized(
      org.springframework.context.ApplicationContext context) {
    var provider =
        context.getBeanProvider(
            ResolvableType.forClassWithGenerics(
                TemporalOptionsCustomizer.class, WorkflowServiceStubsOptions.Builder.class));
    var customizer =
        (TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder>) provider.getObject();
    return customizer
        .customize(WorkflowServiceStubsOptions.newBuilder().setTarget("temporal.example:7233"))
        .build();
  }

  @Test
  void unsetMeansAPlainConnection() {
    runner
        .withPropertyValues("opsflow.temporal.tls.cert-file=", "opsflow.temporal.tls.ca-file=")
        .run(context -> assertThat(customized(context).getSslContext()).isNull());
  }

  @Test
  void aCaFileTurnsOnTlsTrustingIt(@TempDir Path dir) throws Exception {
    Path keystore = dir.resolve("ca.p12");
    Path pem = dir.resolve("ca.pem");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    run(
        List.of(
            keytool.toString(),
            "-genkeypair",
            "-alias",
            "ca",
            "-keyalg",
            "EC",
            "-dname",
            "CN=test-ca",
            "-ext",
            "bc:c",
            "-keystore",
            keystore.toString(),
            "-storepass",
            "changeit",
            "-validity",
            "2"));
    run(
        List.of(
            keytool.toString(),
            "-exportcert",
            "-rfc",
            "-alias",
            "ca",
            "-keystore",
            keystore.toString(),
            "-storepass",
            "changeit",
            "-file",
            pem.toString()));
    runner
        .withPropertyValues(
            "opsflow.temporal.tls.ca-file=" + pem, "opsflow.temporal.tls.server-name=temporal")
        .run(
            context -> {
              WorkflowServiceStubsOptions options = customized(context);
              assertThat(options.getSslContext()).isNotNull();
              assertThat(options.getSslContext().isClient()).isTrue();
              assertThat(options.getChannelInitializer()).isNotNull();
            });
  }

  @Test
  void aCertificateWithoutItsKeyIsRefused(@TempDir Path dir) {
    runner
        .withPropertyValues("opsflow.temporal.tls.cert-file=" + dir.resolve("client.pem"))
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("TEMPORAL_TLS_KEY"));
  }

  private static void run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
  }
}
