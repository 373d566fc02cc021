package io.opsflow.session.db;

import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

public interface EventRepository extends JpaRepository<EventRow, Long> {
  List<EventRow> findBySessionIdOrderByIdAsc(long sessionId);

  List<EventRow> findByBuildIdOrderByIdAsc(long buildId);

  List<EventRow> findByIdGreaterThanOrderByIdAsc(long afterId, Pageable page);

  List<EventRow> findAllByOrderByIdDesc(Pageable page);
}
