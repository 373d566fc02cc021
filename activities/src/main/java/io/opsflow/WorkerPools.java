package io.opsflow;

import io.temporal.spring.boot.autoconfigure.properties.TemporalProperties;
import io.temporal.spring.boot.autoconfigure.properties.WorkerProperties;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.env.Environment;

/**
 * Which worker pools this process runs: {@code opsflow.worker-pools} (env {@code
 * OPSFLOW_WORKER_POOLS}), a comma-separated list of pool names, empty for all of them. The pools
 * are the {@code name}s of the {@code spring.temporal.workers} entries ({@code orchestration},
 * {@code devices}, {@code health}, {@code pass-executors}, {@code agents}) and {@value #CI_RUNNER},
 * the CI job runner's worker added in code. So one workers jar runs as an orchestration-only
 * process, a devices-only process, a CI runner, each killed and restarted on its own.
 */
public final class WorkerPools implements BeanPostProcessor {

  /** The property naming the pools to run. */
  public static final String PROPERTY = "opsflow.worker-pools";

  /** The CI job runner's pool (its worker is not in the YAML list: its queue is found at start). */
  public static final String CI_RUNNER = "ci-runner";

  private final Set<String> selected;

  private WorkerPools(Set<String> selected) {
    this.selected = selected;
  }

  /** The selection configured in {@code environment}. */
  public static WorkerPools of(Environment environment) {
    return new WorkerPools(parse(environment.getProperty(PROPERTY, "")));
  }

  /** The pool names of a configured value; empty means every pool. */
  static Set<String> parse(String value) {
    return Arrays.stream(value.split(","))
        .map(String::trim)
        .filter(name -> !name.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Whether this process runs {@code pool}. */
  public boolean runs(String pool) {
    return selected.isEmpty() || selected.contains(pool);
  }

  /**
   * Keeps only the selected pools of the starter's worker list; a name that matches no pool of this
   * process is refused at start-up, so a typo does not leave a process polling nothing.
   */
  @Override
  public Object postProcessBeforeInitialization(Object bean, String beanName) {
    if (!(bean instanceof TemporalProperties properties) || selected.isEmpty()) {
      return bean;
    }
    List<WorkerProperties> all =
        properties.getWorkers() == null ? List.of() : properties.getWorkers();
    Set<String> known = all.stream().map(WorkerProperties::getName).collect(Collectors.toSet());
    known.add(CI_RUNNER);
    Set<String> unknown = new TreeSet<>(selected);
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      throw new IllegalStateException(
          PROPERTY
              + " names pools this process does not have: "
              + unknown
              + " (it has "
              + new TreeSet<>(known)
              + ")");
    }
    List<WorkerProperties> kept = all.stream().filter(w -> runs(w.getName())).toList();
    return new TemporalProperties(
        properties.getNamespace(),
        properties.getNamespaces(),
        properties.getWorkersAutoDiscovery(),
        kept,
        properties.getWorkflowCache(),
        properties.getConnection(),
        properties.getTestServer(),
        properties.getStartWorkers(),
        properties.isIgnoreDuplicateDefinitions());
  }
}
