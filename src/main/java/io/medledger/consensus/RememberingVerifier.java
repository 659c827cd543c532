package io.medledger.consensus;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Ed25519Signatures;
import io.medledger.crypto.Sha256;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
  /** Fewest signatures {@link #prepare} checks as one batch: below this a batch costs more. */
  static final int BATCH_FROM = 16;
  private final SecureRandom random = new SecureRandom();
  private final int capacity;
  private final SignatureVerifier inner;
  /** Whether {@link #prepare} may check in batches: only when {@code inner} applies the same rule. */
  private final boolean batches;
  private final LinkedHashMap<Digest, Boolean> valid;

  RememberingVerifier(int capacity) {
    this(capacity, SignatureVerifier.DIRECT);
  }

  /** Remembers what {@code inner} found valid (tests count the verifications that reach it). */
  RememberingVerifier(int capacity, SignatureVerifier inner) {
    this(capacity, inner, inner == SignatureVerifier.DIRECT);
  }

  /**
   * As above; {@code batches} says that {@code inner} verifies by {@link Ed25519PublicKey#verify}'s
   * rule (a test's counting wrapper of it), so that {@link #prepare} may check batches itself.
   */
  RememberingVerifier(int capacity, SignatureVerifier inner, boolean batches) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.inner = Objects.requireNonNull(inner, "inner");
    this.batches = batches;
    this.valid = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Digest, Boolean> e) {
        return size() > RememberingVerifier.this.capacity;
      }
    };
  }

  private static Digest memo(Ed25519PublicKey key, byte[] message, byte[] signature) {
    MessageDigest md = Sha256.newMessageDigest();
    md.update(key.toBytes());
    md.update(signature);
    md.update(message);
    return Digest.of(md.digest());
  }

  /**
   * Checks the signatures not remembered yet as one batch (from {@value #BATCH_FROM} of them) and
   * remembers them all if the batch holds (the last {@code capacity} of them, if more); if it
   * fails, remembers none, and {@link #verify} then finds the bad ones one at a time.
   */
  @Override
  public void prepare(List<Ed25519PublicKey> keys, List<byte[]> messages, List<byte[]> signatures) {
    SignatureVerifier.super.prepare(keys, messages, signatures);
    List<Digest> memos = new ArrayList<>();
    List<Ed25519PublicKey> k = new ArrayList<>();
    List<byte[]> m = new ArrayList<>();
    List<byte[]> s = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      byte[] sig = signatures.get(i);
      if (sig == null || sig.length != Ed25519Signatures.SIGNATURE_LENGTH) {
        continue; // verify refuses it on its own
      }
      Digest d = memo(keys.get(i), messages.get(i), sig);
      synchronized (valid) {
        if (valid.containsKey(d)) {
          continue;
        }
      }
      memos.add(d);
      k.add(keys.get(i));
      m.add(messages.get(i));
      s.add(sig);
    }
    if (batches && memos.size() >= BATCH_FROM && Ed25519Signatures.verifyAll(k, m, s, random)) {
      synchronized (valid) {
        for (Digest d : memos) {
          valid.put(d, Boolean.TRUE);
        }
      }
    }
  }

  @Override
  public boolean verify(Ed25519PublicKey key, byte[] message, byte[] signature) {
    if (signature == null) {
      return false;
    }
    Digest k = memo(key, message, signature);
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
