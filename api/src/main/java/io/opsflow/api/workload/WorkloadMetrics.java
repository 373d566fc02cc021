package io.opsflow.api.workload;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.api.workload.WorkloadDtos.ClusterMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Prometheus gauges of the cluster: {@code opsflow_nodes{status}} and {@code
 * opsflow_workloads{status}}, refreshed from PostgreSQL every 10 s (the rows are the truth for
 * every API instance). Scheduling decisions are counted where they are made ({@code
 * opsflow_scheduling_decisions_total{outcome,policy}} in {@link WorkloadService}).
 */
@Component
public class WorkloadMetrics {

  private static final Logger log = LoggerFactory.getLogger(WorkloadMetrics.class);

  private final WorkloadQueries queries;
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  public WorkloadMetrics(WorkloadQueries queries, MeterRegistry registry) {
    this.queries = queries;
    this.registry = registry;
  }

  @Scheduled(initialDelay = 1000, fixedDelay = 10_000)
  public void refresh() {
    try {
      ClusterMetrics m = queries.metrics();
      m.nodesByStatus().forEach((status, count) -> gauge("opsflow.nodes", status).set(count));
      m.workloadsByStatus()
          .forEach((status, count) -> gauge("opsflow.workloads", status).set(count));
    } catch (RuntimeException e) {
      log.debug("cluster gauges not refreshed: {}", e.getMessage());
    }
  }

  private AtomicLong gauge(String name, String status) {
    return gauges.computeIfAbsent(
        name + "/" + status,
        k -> {
          AtomicLong value = new AtomicLong();
          Gauge.builder(name, value, AtomicLong::get).tag("status", status).register(registry);
          return value;
        });
  }
}
