package io.medledger.chain;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.codec.ByteString;
import java.util.List;
import java.util.Optional;

/**
 * A patient's grant of access to a grantee (an institution, clinician or researcher). Valid from
 * {@code notBefore} (inclusive) to {@code notAfter} (exclusive) unless revoked. The proxies are
 * federation servers that re-encrypt for the grantee once {@code threshold} of them cooperate;
 * {@code keyFragments} holds one opaque fragment per proxy, in the same order. A grant without
 * proxies (threshold 0) authorizes writing but no re-encrypted reads.
 *
 * <p>Immutable and thread-safe.
 *
 * @param patient the granting patient (the signer)
 * @param grantee who receives access
 * @param scope which records
 * @param purpose treatment or research
 * @param notBefore start of validity, epoch milliseconds
 * @param notAfter end of validity (exclusive), epoch milliseconds
 * @param proxies the re-encryption proxies
 * @param threshold how many proxies must cooperate
 * @param keyFragments one opaque key fragment per proxy
 * @param createdAt creation time, epoch milliseconds
 * @param endorsements the patient's signature
 */
public record AccessGrant(
    ParticipantId patient,
    ParticipantId grantee,
    AccessScope scope,
    Purpose purpose,
    long notBefore,
    long notAfter,
    List<ParticipantId> proxies,
    int threshold,
    List<ByteString> keyFragments,
    long createdAt,
    List<Endorsement> endorsements)
    implements Entry {

  /** Validates the fields. */
  public AccessGrant {
    Checks.notNull(patient, "patient");
    Checks.notNull(grantee, "grantee");
    Checks.notNull(scope, "scope");
    Checks.notNull(purpose, "purpose");
    Checks.nonNegative(notBefore, "notBefore");
    if (notAfter <= notBefore) {
      throw new IllegalArgumentException("a grant ends after it starts");
    }
    proxies = Checks.distinct(proxies, "proxies", Limits.MAX_PROXIES);
    keyFragments = Checks.list(keyFragments, "keyFragments", Limits.MAX_PROXIES);
    keyFragments.forEach(k -> Checks.bytes(k, "keyFragment", Limits.MAX_KEY_FRAGMENT));
    if (keyFragments.size() != proxies.size()) {
      throw new IllegalArgumentException("one key fragment per proxy");
    }
    if (proxies.isEmpty() ? threshold != 0 : threshold < 1 || threshold > proxies.size()) {
      throw new IllegalArgumentException("threshold must be 1..proxies (0 without proxies)");
    }
    if (grantee.equals(patient)) {
      throw new IllegalArgumentException("a patient does not grant itself");
    }
    Checks.nonNegative(createdAt, "createdAt");
    endorsements = Checks.sortedDistinct(endorsements, "endorsements", Limits.MAX_ENDORSEMENTS);
  }

  @Override
  public EntryKind kind() {
    return EntryKind.ACCESS_GRANT;
  }

  @Override
  public Optional<ParticipantId> subject() {
    return Optional.of(patient);
  }

  /** Whether {@code time} falls in the validity window. */
  public boolean validAt(long time) {
    return notBefore <= time && time < notAfter;
  }

  @Override
  public AccessGrant withEndorsements(List<Endorsement> e) {
    return new AccessGrant(patient, grantee, scope, purpose, notBefore, notAfter, proxies, threshold,
        keyFragments, createdAt, e);
  }
}
