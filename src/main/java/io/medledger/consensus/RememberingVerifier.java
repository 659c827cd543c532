package io.medledger.consensus;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link SignatureVerifier} that remembers the last signatures it found valid (by a SHA-256 of
 * key, signature and message), so that a certificate checked by the engine and then by the
 * ledger's certificate policy is verified once. Only successes are kept: an invalid signature is
 * verified again on every call, so no input can make a later valid one fail or an invalid one
 * pass. Bounded; thread-safe.
 */
final class RememberingVerifier implements SignatureVerifier {
  private final int capacity;
  private final SignatureVerifier inner;
  private final LinkedHashMap<Digest, Boolean> valid;

  RememberingVerifier(int capacity) {
    this(capacity, SignatureVerifier.DIRECT);
  }

  /** Remembers what {@code inner} found valid (tests count the verifications that reach it). */
  RememberingVerifier(int capacity, SignatureVerifier inner) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.inner = Objects.requireNonNull(inner, "inner");
    this.valid = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Digest, Boolean> e) {
        return size() > RememberingVerifier.this.capacity;
      }
    };
  }

  @Override
  public boolean verify(Ed25519PublicKey key, byte[] message, byte[] signature) {
    if (signature == null) {
      return false;
    }
    MessageDigest md = Sha256.newMessageDigest();
    md.update(key.toBytes());
    md.update(signature);
    md.update(message);
    Digest k = Digest.of(md.digest());
    synchronized (valid) {
      if (valid.get(k) != null) {
        return true;
      }
    }
    if (!inner.verify(key, message, signature)) {
      return false;
    }
    synchronized (valid) {
      valid.put(k, Boolean.TRUE);
    }
    return true;
  }
}
