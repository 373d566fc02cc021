package io.opsflow.session.db;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface PaymentRepository extends JpaRepository<PaymentRow, Long> {
  List<PaymentRow> findBySessionIdOrderByIdAsc(long sessionId);
}
