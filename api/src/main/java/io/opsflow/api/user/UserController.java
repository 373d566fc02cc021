package io.opsflow.api.user;

import io.opsflow.api.web.ApiException;
import io.opsflow.session.db.UserAccount;
import io.opsflow.session.db.UserAccountRepository;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Customers with prepaid balances. */
@RestController
@RequestMapping("/api/v1/users")
public class UserController {

  public record CreateUser(
      @NotBlank @Size(max = 100) String name,
      @DecimalMin("0.00") @Digits(integer = 10, fraction = 2) BigDecimal balance) {}

  public record UserView(long id, String name, BigDecimal balance, Instant createdAt) {
    static UserView of(UserAccount u) {
      return new UserView(u.getId(), u.getName(), u.getBalance(), u.getCreatedAt());
    }
  }

  private final UserAccountRepository users;

  public UserController(UserAccountRepository users) {
    this.users = users;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  public UserView create(@Valid @RequestBody CreateUser body) {
    UserAccount saved =
        users.saveAndFlush(
            new UserAccount(
                body.name(), body.balance() == null ? BigDecimal.ZERO : body.balance()));
    return get(saved.getId());
  }

  @GetMapping
  public List<UserView> list() {
    return users.findAllByOrderByIdAsc().stream().map(UserView::of).toList();
  }

  @GetMapping("/{id}")
  public UserView get(@PathVariable long id) {
    return users
        .findById(id)
        .map(UserView::of)
        .orElseThrow(() -> ApiException.notFound("User " + id + " not found"));
  }
}
