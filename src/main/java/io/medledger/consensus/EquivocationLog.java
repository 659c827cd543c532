package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The first signed statement of each (signer, kind, height, round) seen, so that a second one
 * with another block hash becomes {@link Equivocation}, reported once. Signatures are checked before
 * statements get here. Not thread-safe.
 */
final class EquivocationLog {
  /** A statement and the signature over it. */
  record Signed(Statement st, byte[] sig) {}

  private record Key(Ed25519PublicKey signer, StatementKind kind, long height, int round) {}

  private final Map<Key, Signed> firstSeen = new HashMap<>();
  private final Set<Key> reported = new HashSet<>();

  /**
   * Records {@code st} signed by {@code signer}; the evidence when it conflicts with the first
   * statement of its slot and that slot was not reported yet, else null.
   */
  Equivocation note(Ed25519PublicKey signer, Statement st, byte[] sig) {
    Key k = new Key(signer, st.kind(), st.height(), st.round());
    Signed prev = firstSeen.putIfAbsent(k, new Signed(st, sig));
    if (prev != null && !prev.st().hash().equals(st.hash()) && reported.add(k)) {
      return new Equivocation(signer, prev.st(), prev.sig(), st, sig);
    }
    return null;
  }

  /** Whether the signer has already been caught equivocating in the slot: its further statements there add nothing. */
  boolean caught(Ed25519PublicKey signer, StatementKind kind, long height, int round) {
    return !reported.isEmpty() && reported.contains(new Key(signer, kind, height, round));
  }

  /** The first statement seen for the slot, or null. */
  Signed first(Ed25519PublicKey signer, StatementKind kind, long height, int round) {
    return firstSeen.get(new Key(signer, kind, height, round));
  }

  /** Forgets the heights below {@code height}. */
  void forgetBelow(long height) {
    firstSeen.keySet().removeIf(k -> k.height() < height);
    reported.removeIf(k -> k.height() < height);
  }

  /** The number of statements held. */
  int size() {
    return firstSeen.size();
  }
}
