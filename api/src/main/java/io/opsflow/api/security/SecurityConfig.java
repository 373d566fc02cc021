package io.opsflow.api.security;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Every route behind a bearer token: JWTs from the configured OIDC issuer (Keycloak in production)
 * or, with none configured, from the application's own issuer ({@link EmbeddedIssuerConfig}); the
 * shared {@code AGENT_SECRET} as a fallback for node agents. What each role may call is {@link
 * RouteRules}.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(SecurityProperties.class)
public class SecurityConfig {

  private static final Logger log = LoggerFactory.getLogger(SecurityConfig.class);

  @Bean
  static RoleHierarchy roleHierarchy() {
    return Roles.hierarchy();
  }

  /**
   * Tokens of the configured issuer, its keys fetched on first use (the API starts while the issuer
   * is still down), or of the embedded issuer, checked against its own key.
   */
  @Bean
  JwtDecoder jwtDecoder(SecurityProperties properties, java.util.Optional<IssuerState> embedded) {
    List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
    validators.add(new JwtTimestampValidator(properties.clockSkew()));
    if (!properties.audience().isBlank()) {
      validators.add(
          new JwtClaimValidator<List<String>>(
              "aud", aud -> aud != null && aud.contains(properties.audience())));
    }
    if (properties.isEmbeddedIssuer()) {
      IssuerState state =
          embedded.orElseThrow(() -> new IllegalStateException("the embedded issuer is missing"));
      NimbusJwtDecoder decoder;
      try {
        decoder = NimbusJwtDecoder.withPublicKey(state.signingKey().toRSAPublicKey()).build();
      } catch (com.nimbusds.jose.JOSEException e) {
        throw new IllegalStateException("the embedded issuer's key is unusable", e);
      }
      decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
      return decoder;
    }
    String issuer = properties.issuer().strip();
    validators.add(new JwtIssuerValidator(issuer));
    log.info("Bearer tokens from the OIDC issuer {}", issuer);
    return new SupplierJwtDecoder(
        () -> {
          NimbusJwtDecoder decoder = NimbusJwtDecoder.withIssuerLocation(issuer).build();
          decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
          return decoder;
        });
  }

  /**
   * The shared agent secret as a bearer token. Not a bean: an AuthenticationProvider bean would
   * replace the login page's user check in Spring Security's global authentication manager.
   */
  private static AgentSecretAuthentication agentSecretAuthentication(String secret) {
    AgentSecretAuthentication agents = new AgentSecretAuthentication(secret);
    if (!agents.enabled()) {
      log.info("AGENT_SECRET is not set: node agents need a token with the node_agent role");
    }
    return agents;
  }

  /** Bearer tokens: the shared agent secret first, then JWTs with their roles. */
  private static AuthenticationManager bearerTokens(
      SecurityProperties properties, JwtDecoder decoder, String agentSecret) {
    JwtAuthenticationProvider jwt = new JwtAuthenticationProvider(decoder);
    jwt.setJwtAuthenticationConverter(new TokenRoles(properties.roleClients()));
    return new ProviderManager(List.of(agentSecretAuthentication(agentSecret), jwt));
  }

  /**
   * The Temporal UI's codec endpoint: a bearer token as everywhere, or the session of someone who
   * logged in at the embedded issuer's login page, since the UI (with "include cross-origin
   * credentials") sends that cookie but has no token of ours. No CSRF token: decoding changes
   * nothing, and only the allowed UI origins may read the answer (CORS).
   */
  @Bean
  @Order(5)
  SecurityFilterChain codecSecurity(
      HttpSecurity http,
      SecurityProperties properties,
      JwtDecoder decoder,
      @Value("${opsflow.agent-secret:${AGENT_SECRET:}}") String agentSecret,
      RoleHierarchy hierarchy)
      throws Exception {
    http.securityMatcher(RouteRules.CODEC_PATTERN)
        // Reads the login page's session, never creates one.
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.NEVER))
        .csrf(csrf -> csrf.disable());
    return tokenSecured(http, bearerTokens(properties, decoder, agentSecret), hierarchy);
  }

  /** The API: stateless, a bearer token on every call but the public routes. */
  @Bean
  @Order(10)
  SecurityFilterChain apiSecurity(
      HttpSecurity http,
      SecurityProperties properties,
      JwtDecoder decoder,
      @Value("${opsflow.agent-secret:${AGENT_SECRET:}}") String agentSecret,
      RoleHierarchy hierarchy)
      throws Exception {
    http.securityMatcher("/**")
        .csrf(csrf -> csrf.disable())
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
    return tokenSecured(http, bearerTokens(properties, decoder, agentSecret), hierarchy);
  }

  private static SecurityFilterChain tokenSecured(
      HttpSecurity http, AuthenticationManager tokens, RoleHierarchy hierarchy) throws Exception {
    SecurityErrors errors = new SecurityErrors();
    http.cors(Customizer.withDefaults())
        .requestCache(cache -> cache.disable())
        .formLogin(form -> form.disable())
        .httpBasic(basic -> basic.disable())
        .logout(logout -> logout.disable())
        .authorizeHttpRequests(a -> a.anyRequest().access(new RouteAuthorization(hierarchy)))
        .oauth2ResourceServer(
            rs ->
                rs.bearerTokenResolver(bearerTokens())
                    .authenticationManagerResolver(request -> tokens)
                    .authenticationEntryPoint(errors)
                    .accessDeniedHandler(errors))
        .exceptionHandling(e -> e.authenticationEntryPoint(errors).accessDeniedHandler(errors));
    return http.build();
  }

  /**
   * The bearer token of a request, except on the PC-agent WebSocket: there the header carries the
   * station's own agent token, which its handshake checks.
   */
  static BearerTokenResolver bearerTokens() {
    DefaultBearerTokenResolver standard = new DefaultBearerTokenResolver();
    return request -> {
      String path = request.getRequestURI().substring(request.getContextPath().length());
      return path.startsWith(RouteRules.AGENT_SOCKET_PREFIX) ? null : standard.resolve(request);
    };
  }
}
