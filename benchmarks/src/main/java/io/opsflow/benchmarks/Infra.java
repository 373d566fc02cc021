package io.opsflow.benchmarks;

import io.opsflow.TaskQueueProperties;
import io.opsflow.api.session.SessionService;
import io.opsflow.session.SessionProperties;
import io.opsflow.session.db.SessionRepository;
import io.temporal.client.WorkflowClient;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;

/** The beans of the running application that the benchmark drives. */
record Infra(
    SessionService service,
    SessionRepository sessions,
    JdbcTemplate jdbc,
    SessionProperties properties,
    TaskQueueProperties queues,
    WorkflowClient client,
    long userId) {

  /** A PostgreSQL array literal, bound as text and cast with {@code ?::bigint[]}. */
  static String bigintArray(long[] ids) {
    return Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(",", "{", "}"));
  }
}
