package io.medledger.pre;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.umbral.CurveScalar;
import io.medledger.internal.umbral.Dem;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Derives secret keys deterministically from a 32-byte seed and a label (HKDF-SHA256), as
 * rust-umbral's {@code SecretKeyFactory} does, so that keys can be re-created from one stored seed.
 *
 * <p>The seed is reachable only through {@link #exportSecretSeed()}; {@code toString} redacts it.
 * Immutable and thread-safe.
 */
public final class SecretKeyFactory {
  /** Seed length. */
  public static final int SEED_LENGTH = 32;
  /** Length of {@link #exportSecretMaterial}. */
  public static final int SECRET_LENGTH = 64;

  private final byte[] seed;

  private SecretKeyFactory(byte[] seed) {
    this.seed = seed;
  }

  /** A factory with a random seed from {@code rng} (one 32-byte draw). */
  public static SecretKeyFactory random(EntropySource rng) {
    byte[] seed = new byte[SEED_LENGTH];
    rng.nextBytes(seed);
    return new SecretKeyFactory(seed);
  }

  /** A factory with a random seed. */
  public static SecretKeyFactory random() {
    return random(EntropySource.secure());
  }

  /**
   * A factory for a stored 32-byte seed (copied).
   *
   * @throws MalformedEncodingException if the seed is not 32 bytes
   */
  public static SecretKeyFactory fromSecretSeed(byte[] seed) {
    if (seed == null || seed.length != SEED_LENGTH) {
      throw new MalformedEncodingException("a secret key factory seed is exactly 32 bytes");
    }
    return new SecretKeyFactory(seed.clone());
  }

  /** The secret key for {@code label}: H2S("KEY_DERIVATION/" ‖ label; HKDF(seed, that info, 64)). */
  public SecretKey makeKey(byte[] label) {
    byte[] info = concat("KEY_DERIVATION/", label);
    byte[] okm = Dem.hkdf(seed, info, 64);
    CurveScalar k = CurveScalar.hash(info, okm);
    Arrays.fill(okm, (byte) 0);
    return new SecretKey(k);
  }

  /** The secret key for a UTF-8 label. */
  public SecretKey makeKey(String label) {
    return makeKey(label.getBytes(StandardCharsets.UTF_8));
  }

  /** 64 secret bytes for {@code label} (the reference's {@code make_secret}). */
  public byte[] exportSecretMaterial(byte[] label) {
    return Dem.hkdf(seed, concat("SECRET_DERIVATION/", label), SECRET_LENGTH);
  }

  /** A child factory for {@code label} (seed = HKDF(seed, "FACTORY_DERIVATION/" ‖ label, 32)). */
  public SecretKeyFactory makeFactory(byte[] label) {
    return new SecretKeyFactory(Dem.hkdf(seed, concat("FACTORY_DERIVATION/", label), SEED_LENGTH));
  }

  /** The 32-byte seed (a fresh copy the caller should wipe). */
  public byte[] exportSecretSeed() {
    return seed.clone();
  }

  private static byte[] concat(String prefix, byte[] label) {
    byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(p, p.length + label.length);
    System.arraycopy(label, 0, out, p.length, label.length);
    return out;
  }

  @Override
  public String toString() {
    return "SecretKeyFactory[redacted]";
  }
}
