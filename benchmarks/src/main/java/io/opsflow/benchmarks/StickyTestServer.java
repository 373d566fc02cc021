package io.opsflow.benchmarks;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The same in-memory Java test server as the application's embedded one, but without its {@code
 * NoStickyQueues} interceptor: workflow tasks go to the worker's sticky queue and run on the cached
 * workflow instead of replaying the whole history. Only for comparing the two ({@code
 * -Dbench.stickyTestServer=true}); the application is pointed at it with {@code
 * spring.temporal.connection.target}, so it starts no embedded Temporal server of its own.
 */
final class StickyTestServer implements AutoCloseable {

  final TestServicesStarter services;
  private final Server server;

  StickyTestServer() {
    // Time skipping locked: timers run in real time, as in EmbeddedTemporal.
    services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    try {
      server = builder.build().start();
    } catch (IOException e) {
      services.close();
      throw new UncheckedIOException(e);
    }
  }

  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      services.close();
      server.shutdownNow();
    }
  }
}
