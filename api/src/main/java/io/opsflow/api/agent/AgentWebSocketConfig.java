package io.opsflow.api.agent;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;

/** The PC agent endpoint of the seed: {@code /ws/agent/{station_id}}. */
@Configuration
@EnableWebSocket
public class AgentWebSocketConfig implements WebSocketConfigurer {

  private final AgentSocketHandler handler;
  private final AgentHandshake handshake;

  public AgentWebSocketConfig(AgentSocketHandler handler, AgentHandshake handshake) {
    this.handler = handler;
    this.handshake = handshake;
  }

  @Override
  public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
    registry.addHandler(handler, "/ws/agent/*").addInterceptors(handshake).setAllowedOrigins("*");
  }
}
