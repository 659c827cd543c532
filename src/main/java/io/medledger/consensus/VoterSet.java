package io.medledger.consensus;

import io.medledger.crypto.Ed25519PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The consensus participants in force at one height, as read from the ledger state: federation
 * servers (bookkeepers; in the BFT protocol they are also the validators) and audit servers
 * (validators of the rotating-audit protocol). Immutable; lists keep the ledger's order, which
 * fixes the bookkeeper rotation and the signer indices of certificates.
 */
public record VoterSet(List<Ed25519PublicKey> federation, List<Ed25519PublicKey> auditors) {
  public VoterSet {
    federation = List.copyOf(federation);
    auditors = List.copyOf(auditors);
    if (federation.isEmpty()) {
      throw new IllegalArgumentException("a membership needs at least one federation server");
    }
    if (new LinkedHashSet<>(federation).size() != federation.size()
        || new LinkedHashSet<>(auditors).size() != auditors.size()) {
      throw new IllegalArgumentException("duplicate key in membership");
    }
  }

  /** Every distinct participant, federation servers first, in ledger order. */
  public List<Ed25519PublicKey> nodes() {
    LinkedHashSet<Ed25519PublicKey> s = new LinkedHashSet<>(federation);
    s.addAll(auditors);
    return new ArrayList<>(s);
  }

  /** The number of signatures that is more than two thirds of {@code n}: floor(2n/3)+1. */
  public static int quorum(int n) {
    return 2 * n / 3 + 1;
  }

  /** The number of Byzantine voters among {@code n} that the quorum tolerates: floor((n-1)/3). */
  public static int maxFaulty(int n) {
    return (n - 1) / 3;
  }
}
