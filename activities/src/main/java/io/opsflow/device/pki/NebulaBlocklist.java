package io.opsflow.device.pki;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A tenant's revoked certificates: their fingerprints, as Nebula's {@code pki.blocklist} setting
 * lists them. Revoking a decommissioned device adds its certificate's fingerprint; the list is
 * pushed to every node in the tenant's config, and nodes then refuse the certificate even though
 * its signature and validity are fine.
 *
 * @param fingerprints lower-case hex SHA-256 fingerprints, sorted
 */
public record NebulaBlocklist(Set<String> fingerprints) {

  /** No certificate revoked. */
  public static final NebulaBlocklist EMPTY = new NebulaBlocklist(Set.of());

  public NebulaBlocklist {
    TreeSet<String> sorted = new TreeSet<>();
    for (String fingerprint : fingerprints) {
      if (fingerprint == null || !fingerprint.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            "a blocklist entry is a certificate fingerprint (64 lower-case hex characters), was '"
                + fingerprint
                + "'");
      }
      sorted.add(fingerprint);
    }
    fingerprints = Collections.unmodifiableSortedSet(sorted);
  }

  /** This blocklist with {@code certificate} revoked too. */
  public NebulaBlocklist revoke(NebulaCertificate certificate) {
    Set<String> more = new TreeSet<>(fingerprints);
    more.add(certificate.fingerprint());
    return new NebulaBlocklist(more);
  }

  /** Whether {@code certificate} is revoked. */
  public boolean contains(NebulaCertificate certificate) {
    return fingerprints.contains(certificate.fingerprint());
  }

  /** The entries in the order of the config's {@code pki.blocklist} list. */
  public List<String> entries() {
    return new ArrayList<>(fingerprints);
  }
}
