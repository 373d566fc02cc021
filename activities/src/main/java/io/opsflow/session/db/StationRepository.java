package io.opsflow.session.db;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface StationRepository extends JpaRepository<Station, Long> {
  List<Station> findAllByOrderByIdAsc();

  boolean existsByName(String name);
}
