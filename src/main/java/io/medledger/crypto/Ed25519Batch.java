package io.medledger.crypto;

import io.medledger.internal.ed25519.Ed25519Group;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;

/**
 * The cofactored Ed25519 equation, checked for a random linear combination of signatures.
 *
 * <p>Thread-safe: stateless.
 */
final class Ed25519Batch {
  private static final int SIGNATURE = 64;

  private Ed25519Batch() {}

  /**
   * Whether {@code [8] * sum(z_i * ([S_i]B - R_i - [k_i]A_i))} is the neutral element, with z_i
   * random 128-bit multipliers from {@code random}. False when any signature is malformed.
   */
  static boolean check(List<Ed25519PublicKey> keys, List<byte[]> messages, List<byte[]> signatures,
      SecureRandom random) {
    int n = keys.size();
    if (messages.size() != n || signatures.size() != n) {
      throw new IllegalArgumentException("keys, messages and signatures differ in number: "
          + n + ", " + messages.size() + ", " + signatures.size());
    }
    if (n == 0) {
      return true;
    }
    Ed25519Group.Affine[] points = new Ed25519Group.Affine[2 * n + 1];
    boolean[] negate = new boolean[2 * n + 1];
    int[][] scalars = new int[2 * n + 1][];
    // the terms of one key share one point: sum of z_i * k_i over its signatures
    java.util.Map<Ed25519PublicKey, Integer> keySlot = new java.util.HashMap<>();
    List<BigInteger> keyScalars = new java.util.ArrayList<>();
    List<Ed25519PublicKey> distinct = new java.util.ArrayList<>();
    byte[] multipliers = new byte[16 * n];
    random.nextBytes(multipliers);
    MessageDigest sha512 = Ed25519Group.sha512();
    BigInteger sumS = BigInteger.ZERO;
    for (int i = 0; i < n; i++) {
      byte[] sig = signatures.get(i);
      byte[] msg = messages.get(i);
      Ed25519PublicKey key = keys.get(i);
      if (sig == null || msg == null || key == null || sig.length != SIGNATURE) {
        return false;
      }
      Ed25519Group.Affine r = Ed25519Group.decode(sig, 0);
      if (r == null) {
        return false;
      }
      BigInteger s = Ed25519Group.littleEndian(sig, 32, 32);
      if (s.compareTo(Ed25519Group.L) >= 0) {
        return false;
      }
      sha512.update(sig, 0, 32);
      sha512.update(key.encodedForBatch());
      sha512.update(msg);
      byte[] h = sha512.digest();
      BigInteger k = Ed25519Group.littleEndian(h, 0, 64).mod(Ed25519Group.L);
      BigInteger z = Ed25519Group.littleEndian(multipliers, 16 * i, 16);
      if (z.signum() == 0) {
        z = BigInteger.ONE;
      }
      sumS = sumS.add(z.multiply(s));
      Integer slot = keySlot.putIfAbsent(key, distinct.size());
      if (slot == null) {
        distinct.add(key);
        keyScalars.add(z.multiply(k));
      } else {
        keyScalars.set(slot, keyScalars.get(slot).add(z.multiply(k)));
      }
      points[i] = r;
      negate[i] = true;
      scalars[i] = Ed25519Group.words(z);
    }
    int m = n;
    for (int j = 0; j < distinct.size(); j++, m++) {
      points[m] = distinct.get(j).affine();
      negate[m] = true;
      scalars[m] = Ed25519Group.words(keyScalars.get(j).mod(Ed25519Group.L));
    }
    points[m] = Ed25519Group.base();
    scalars[m] = Ed25519Group.words(sumS.mod(Ed25519Group.L));
    return Ed25519Group.cofactoredSumIsIdentity(points, negate, scalars, m + 1);
  }
}
