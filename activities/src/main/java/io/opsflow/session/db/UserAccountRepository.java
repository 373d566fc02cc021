package io.opsflow.session.db;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

public interface UserAccountRepository extends JpaRepository<UserAccount, Long> {
  List<UserAccount> findAllByOrderByIdAsc();
}
