package io.opsflow.payments;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The card payment gateway, spoken to with Stripe's REST shapes (payment intents).
 *
 * @param baseUrl gateway base URL, e.g. https://api.stripe.com or the local simulator
 * @param secretKey secret API key, sent as a bearer token
 * @param timeout request timeout
 */
@ConfigurationProperties(prefix = "opsflow.payments.gateway")
public record GatewayProperties(
    @DefaultValue("http://127.0.0.1:8183") String baseUrl,
    @DefaultValue("sk_test_opsflow") String secretKey,
    @DefaultValue("10s") Duration timeout) {}
