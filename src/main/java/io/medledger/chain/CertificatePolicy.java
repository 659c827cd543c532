package io.medledger.chain;

import io.medledger.access.ParticipantId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a certificate makes a block final. The consensus protocol supplies the rule;
 * two are built in. Implementations must be deterministic and thread-safe.
 */
@FunctionalInterface
public interface CertificatePolicy {
  /**
   * Checks {@code certificate} for {@code header} against the membership as of the parent block.
   * Returns an acceptance carrying the certificate, or a rejection with a reason.
   */
  ValidationResult<Certificate> check(BlockHeader header, Certificate certificate, Membership parentMembership);

  /**
   * Says that {@link #check} will soon be asked about {@code certificates.get(i)} for
   * {@code headers.get(i)} against {@code parentMemberships.get(i)}: a policy may do shared work
   * now (check their signatures as one batch, for a verifier that remembers them). Changes no
   * verdict and throws nothing for bad certificates. The default does nothing.
   *
   * @throws IllegalArgumentException if the three lists differ in length
   */
  default void prepare(List<BlockHeader> headers, List<Certificate> certificates,
      List<Membership> parentMemberships) {
    if (headers.size() != certificates.size() || headers.size() != parentMemberships.size()) {
      throw new IllegalArgumentException("headers, certificates and memberships differ in number");
    }
  }

  /**
   * Accepts any certificate. For single-node development chains and tests only: a block is then
   * final as soon as it validates.
   */
  static CertificatePolicy acceptAny() {
    return (h, c, m) -> ValidationResult.accepted(c);
  }

  /**
   * More than two thirds of the audit servers (as of the parent) must have signed
   * {@link Certificate#voteMessage}; signatures by anyone else are rejected. While there are no
   * audit servers (genesis), any certificate is accepted.
   */
  static CertificatePolicy auditQuorum() {
    return (h, c, m) -> {
      if (m.auditServers().isEmpty()) {
        return ValidationResult.accepted(c);
      }
      byte[] msg = Certificate.voteMessage(h);
      Set<ParticipantId> seen = new HashSet<>();
      for (Endorsement e : c.signatures()) {
        ParticipantId id = ParticipantId.of(e.signer());
        if (!m.isAuditServer(id)) {
          return ValidationResult.rejected("certificate signed by " + id + ", not an audit server");
        }
        if (!e.verify(msg)) {
          return ValidationResult.rejected("certificate signature by " + id + " does not verify");
        }
        seen.add(id);
      }
      int need = m.auditQuorum();
      if (seen.size() < need) {
        return ValidationResult.rejected("certificate has " + seen.size() + " audit signatures, needs " + need);
      }
      return ValidationResult.accepted(c);
    };
  }
}
