package io.opsflow.session.db;

import io.opsflow.session.SessionStatus;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface SessionRepository extends JpaRepository<SessionRow, Long> {

  List<SessionRow> findByStatusInOrderByIdDesc(Collection<SessionStatus> statuses, Pageable page);

  List<SessionRow> findByStationIdOrderByIdDesc(long stationId, Pageable page);

  List<SessionRow> findAllByOrderByIdDesc(Pageable page);

  Optional<SessionRow> findFirstByStationIdOrderByIdDesc(long stationId);

  boolean existsByStationIdAndStatusIn(long stationId, Collection<SessionStatus> statuses);

  @Query(value = "select nextval('session_ids')", nativeQuery = true)
  long nextId();
}
