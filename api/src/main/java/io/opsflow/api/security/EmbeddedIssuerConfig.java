package io.opsflow.api.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import io.opsflow.DataDirectories;
import io.opsflow.workers.embedded.DataDirectory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;

/**
 * The embedded default's own OAuth2/OIDC issuer (Spring Authorization Server on the API's port),
 * active when no {@code opsflow.security.issuer} is set: client-credentials clients and people with
 * their roles from configuration, the console's public client (authorization code + PKCE) with a
 * login page, access tokens carrying a {@code roles} claim. Secrets left blank are generated once,
 * kept in the data directory and printed at start-up.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedIssuerConfig.NoIssuerConfigured.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class EmbeddedIssuerConfig {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedIssuerConfig.class);

  /** Where a client's roles ride in its registration. */
  static final String ROLES_SETTING = "opsflow.roles";

  /** The {@code roles} claim of the embedded issuer's access tokens. */
  static final String ROLES_CLAIM = "roles";

  /**
   * The embedded data directory's {@code security/}; in a process without one (the API alone,
   * profile {@code api}), that of {@code opsflow.data-dir} / {@code OPSFLOW_DATA_DIR} when set, so
   * that restarting the API does not invalidate every token it issued.
   */
  @Bean
  IssuerState issuerState(ObjectProvider<DataDirectory> dataDirectory, Environment environment) {
    DataDirectory embedded = dataDirectory.getIfAvailable();
    Optional<java.nio.file.Path> dir;
    if (embedded != null) {
      dir = Optional.of(embedded).filter(d -> !d.ephemeral()).map(d -> d.resolve("security"));
    } else {
      dir = DataDirectories.configured(environment).map(d -> d.resolve("security"));
    }
    return IssuerState.open(dir);
  }

  @Bean
  JWKSource<SecurityContext> jwkSource(IssuerState state) {
    return new ImmutableJWKSet<>(new JWKSet(state.signingKey()));
  }

  @Bean
  PasswordEncoder passwordEncoder() {
    return PasswordEncoderFactories.createDelegatingPasswordEncoder();
  }

  @Bean
  AuthorizationServerSettings authorizationServerSettings() {
    // No fixed issuer: it is the URL the client used, so 127.0.0.1 and a proxy's name both work.
    return AuthorizationServerSettings.builder().build();
  }

  /** The accounts with their secrets resolved (configured, or generated and kept). */
  @Bean
  EmbeddedAccounts embeddedAccounts(SecurityProperties properties, IssuerState state) {
    SecurityProperties.Embedded embedded = properties.embedded();
    Map<String, EmbeddedAccounts.Resolved> clients = new LinkedHashMap<>();
    embedded
        .clients()
        .forEach(
            (id, account) ->
                clients.put(id, EmbeddedAccounts.resolve("client." + id, account, state)));
    Map<String, EmbeddedAccounts.Resolved> users = new LinkedHashMap<>();
    embedded
        .users()
        .forEach(
            (name, account) ->
                users.put(name, EmbeddedAccounts.resolve("user." + name, account, state)));
    return new EmbeddedAccounts(clients, users, state.persistent());
  }

  @Bean
  RegisteredClientRepository registeredClients(
      SecurityProperties properties, EmbeddedAccounts accounts, PasswordEncoder encoder) {
    TokenSettings tokens =
        TokenSettings.builder().accessTokenTimeToLive(properties.embedded().tokenTtl()).build();
    List<RegisteredClient> clients = new ArrayList<>();
    accounts
        .clients()
        .forEach(
            (id, account) ->
                clients.add(
                    RegisteredClient.withId(UUID.nameUUIDFromBytes(id.getBytes()).toString())
                        .clientId(id)
                        .clientSecret(encoder.encode(account.secret()))
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                        .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                        .tokenSettings(tokens)
                        .clientSettings(
                            ClientSettings.builder()
                                .setting(ROLES_SETTING, List.copyOf(account.roles()))
                                .build())
                        .build()));
    SecurityProperties.Embedded embedded = properties.embedded();
    RegisteredClient.Builder console =
        RegisteredClient.withId(
                UUID.nameUUIDFromBytes(embedded.consoleClient().getBytes()).toString())
            .clientId(embedded.consoleClient())
            .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
            .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
            .scope(OidcScopes.OPENID)
            .scope(OidcScopes.PROFILE)
            .tokenSettings(tokens)
            .clientSettings(
                ClientSettings.builder()
                    .requireProofKey(true)
                    .requireAuthorizationConsent(false)
                    .build());
    embedded.redirectUris().forEach(console::redirectUri);
    clients.add(console.build());
    return new InMemoryRegisteredClientRepository(clients);
  }

  @Bean
  UserDetailsService embeddedUsers(EmbeddedAccounts accounts, PasswordEncoder encoder) {
    List<UserDetails> users = new ArrayList<>();
    accounts
        .users()
        .forEach(
            (name, account) ->
                users.add(
                    User.withUsername(name)
                        .password(encoder.encode(account.secret()))
                        .roles(account.roles().toArray(String[]::new))
                        .build()));
    return new InMemoryUserDetailsManager(users);
  }

  /**
   * Access (and ID) tokens carry {@code roles}: a client's own for client credentials, the person's
   * for authorization code; and {@code preferred_username}, as Keycloak's do.
   */
  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> rolesInTokens() {
    return context -> {
      boolean access = OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType());
      boolean id = "id_token".equals(context.getTokenType().getValue());
      if (!access && !id) {
        return;
      }
      Set<String> roles = new LinkedHashSet<>();
      if (AuthorizationGrantType.CLIENT_CREDENTIALS.equals(context.getAuthorizationGrantType())) {
        Object configured =
            context.getRegisteredClient().getClientSettings().getSetting(ROLES_SETTING);
        if (configured instanceof List<?> list) {
          list.forEach(r -> roles.add(String.valueOf(r)));
        }
        context
            .getClaims()
            .claim("preferred_username", context.getRegisteredClient().getClientId());
      } else {
        for (GrantedAuthority authority : context.getPrincipal().getAuthorities()) {
          String name = authority.getAuthority();
          if (name != null && name.startsWith("ROLE_")) {
            roles.add(name.substring(5));
          }
        }
        context.getClaims().claim("preferred_username", context.getPrincipal().getName());
      }
      context.getClaims().claim(ROLES_CLAIM, List.copyOf(roles));
    };
  }

  /** The issuer's endpoints: token, authorize, JWKS, OIDC discovery and userinfo. */
  @Bean
  @Order(1)
  SecurityFilterChain authorizationServerSecurity(HttpSecurity http) throws Exception {
    OAuth2AuthorizationServerConfigurer server =
        OAuth2AuthorizationServerConfigurer.authorizationServer();
    http.securityMatcher(server.getEndpointsMatcher())
        .with(server, s -> s.oidc(Customizer.withDefaults()))
        .authorizeHttpRequests(a -> a.anyRequest().authenticated())
        .oauth2ResourceServer(rs -> rs.jwt(Customizer.withDefaults()))
        .exceptionHandling(
            e ->
                e.defaultAuthenticationEntryPointFor(
                    new LoginUrlAuthenticationEntryPoint("/login"),
                    new MediaTypeRequestMatcher(MediaType.TEXT_HTML)));
    return http.build();
  }

  /** The login page people see on their way through the authorization-code flow. */
  @Bean
  @Order(2)
  SecurityFilterChain loginSecurity(
      HttpSecurity http, UserDetailsService embeddedUsers, PasswordEncoder encoder)
      throws Exception {
    DaoAuthenticationProvider people = new DaoAuthenticationProvider(embeddedUsers);
    people.setPasswordEncoder(encoder);
    http.securityMatcher("/login", "/logout", "/default-ui.css")
        .authenticationManager(new ProviderManager(people))
        .authorizeHttpRequests(a -> a.anyRequest().permitAll())
        .formLogin(Customizer.withDefaults())
        .logout(Customizer.withDefaults());
    return http.build();
  }

  /** Says once at start-up how to get a token, with the secrets that were generated. */
  @Bean
  ApplicationListener<ApplicationReadyEvent> printCredentials(EmbeddedAccounts accounts) {
    return event -> {
      String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
      String base = "http://127.0.0.1:" + (port == null ? "8080" : port);
      log.info(accounts.describe(base));
    };
  }

  /** True when {@code opsflow.security.issuer} is blank or unset. */
  static final class NoIssuerConfigured
      implements org.springframework.context.annotation.Condition {
    @Override
    public boolean matches(
        org.springframework.context.annotation.ConditionContext context,
        org.springframework.core.type.AnnotatedTypeMetadata metadata) {
      String issuer = context.getEnvironment().getProperty("opsflow.security.issuer", "");
      return issuer.isBlank();
    }
  }
}
