package io.medledger.internal.bitcoin;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.signers.DSAKCalculator;
import org.bouncycastle.util.BigIntegers;

/**
 * RFC 6979 section 3.2 nonces with HMAC-SHA256 for a 256-bit group order, including step h.3
 * between successive candidates.
 *
 * <p>BouncyCastle's {@code HMacDSAKCalculator} yields the same first candidate but does not apply
 * step h.3 when {@code nextK()} is called again (it only does so for out-of-range values), so its
 * second and later candidates differ from the RFC; this class follows the RFC for all of them.
 * Not thread-safe: one instance per signature.
 */
public final class Rfc6979KCalculator implements DSAKCalculator {
  private final HMac hmac = new HMac(new SHA256Digest());
  private final byte[] k = new byte[32];
  private final byte[] v = new byte[32];
  private BigInteger n;
  private boolean started;

  @Override
  public boolean isDeterministic() {
    return true;
  }

  @Override
  public void init(BigInteger n, SecureRandom random) {
    throw new IllegalStateException("RFC 6979 nonces are deterministic: use init(n, d, message)");
  }

  @Override
  public void init(BigInteger n, BigInteger d, byte[] message) {
    if (n.bitLength() != 256 || message.length != 32) {
      throw new IllegalArgumentException("this calculator handles 256-bit orders and 32-byte hashes");
    }
    this.n = n;
    byte[] x = BigIntegers.asUnsignedByteArray(32, d);
    byte[] h = BigIntegers.asUnsignedByteArray(32, new BigInteger(1, message).mod(n));
    Arrays.fill(v, (byte) 1);
    Arrays.fill(k, (byte) 0);
    for (int round = 0; round < 2; round++) {
      hmac.init(new KeyParameter(k));
      hmac.update(v, 0, 32);
      hmac.update((byte) round);
      hmac.update(x, 0, 32);
      hmac.update(h, 0, 32);
      hmac.doFinal(k, 0);
      mac(v);
    }
    Arrays.fill(x, (byte) 0);
    started = false;
  }

  private void mac(byte[] out) {
    hmac.init(new KeyParameter(k));
    hmac.update(v, 0, 32);
    hmac.doFinal(out, 0);
  }

  private void step3() {
    hmac.init(new KeyParameter(k));
    hmac.update(v, 0, 32);
    hmac.update((byte) 0);
    hmac.doFinal(k, 0);
    mac(v);
  }

  @Override
  public BigInteger nextK() {
    while (true) {
      if (started) {
        step3();
      }
      started = true;
      mac(v);
      BigInteger candidate = new BigInteger(1, v);
      if (candidate.signum() > 0 && candidate.compareTo(n) < 0) {
        return candidate;
      }
    }
  }
}
