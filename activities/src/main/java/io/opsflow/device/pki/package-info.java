/**
 * Nebula certificates made in Java: the PKI side of device onboarding.
 *
 * <p>Each tenant has a {@link io.opsflow.device.pki.NebulaCa} (Ed25519, constrained to the tenant's
 * mesh network, {@link io.opsflow.device.pki.Ipv4Net#DEFAULT_MESH} by default) that signs Nebula v1
 * host certificates ({@link io.opsflow.device.pki.NebulaCertificate}), byte for byte what {@code
 * nebula-cert} 1.6 reads and writes. A device preferably makes its own X25519 key pair ({@code
 * nebula-cert keygen}) and sends only the public key ({@link
 * io.opsflow.device.pki.NebulaHostKey#parsePem}); otherwise the PKI makes a {@link
 * io.opsflow.device.pki.NebulaHostKeyPair} whose private key is delivered once. Certificates are
 * renewed ({@link io.opsflow.device.pki.NebulaCa#renew}) when {@link
 * io.opsflow.device.pki.NebulaCertificate#isRenewalDue} and revoked by adding their fingerprint to
 * the tenant's {@link io.opsflow.device.pki.NebulaBlocklist}, which goes into every node's {@code
 * pki.blocklist}.
 *
 * <p>Certificates, public keys, fingerprints and blocklists are public. Private keys (the CA's
 * {@link io.opsflow.device.pki.NebulaCa#privateKeyPem()}, a PKI-made host key's {@link
 * io.opsflow.device.pki.NebulaHostKeyPair#privateKeyPem()}) are the only secrets; no {@code
 * toString} or exception message here contains them, and they must not be passed as workflow or
 * activity arguments or results (Temporal records those in its history).
 */
package io.opsflow.device.pki;
