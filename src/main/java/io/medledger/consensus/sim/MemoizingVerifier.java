package io.medledger.consensus.sim;

import io.medledger.consensus.SignatureVerifier;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link SignatureVerifier} that remembers results (keyed by a SHA-256 of key, signature and
 * message), so that a signature verified by one simulated node is not verified again by the
 * others. Verification is a pure function, so runs are identical with or without it; benchmarks
 * measuring per-node CPU turn it off. Bounded; not thread-safe.
 */
public final class MemoizingVerifier implements SignatureVerifier {
  private final int capacity;
  private final LinkedHashMap<Digest, Boolean> results;
  private long hits;
  private long misses;

  /** A cache of at most {@code capacity} results. */
  public MemoizingVerifier(int capacity) {
    this.capacity = capacity;
    this.results = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Digest, Boolean> e) {
        return size() > MemoizingVerifier.this.capacity;
      }
    };
  }

  @Override
  public boolean verify(Ed25519PublicKey key, byte[] message, byte[] signature) {
    MessageDigest md = Sha256.newMessageDigest();
    md.update(key.toBytes());
    md.update(signature == null ? new byte[0] : signature);
    md.update(message);
    Digest k = Digest.of(md.digest());
    Boolean r = results.get(k);
    if (r == null) {
      misses++;
      r = key.verify(message, signature);
      results.put(k, r);
    } else {
      hits++;
    }
    return r;
  }

  /** Calls answered from memory. */
  public long hits() {
    return hits;
  }

  /** Calls that verified. */
  public long misses() {
    return misses;
  }
}
