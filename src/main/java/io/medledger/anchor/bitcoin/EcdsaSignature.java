package io.medledger.anchor.bitcoin;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.bitcoin.ByteWriter;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * An ECDSA signature (r, s) on secp256k1 with strict DER coding (the BIP 66 rules, without the
 * trailing sighash byte). Immutable and thread-safe.
 *
 * @param r the r value, 1 to n-1
 * @param s the s value, 1 to n-1
 */
public record EcdsaSignature(BigInteger r, BigInteger s) {
  /** Validates that r and s are in [1, n-1]. */
  public EcdsaSignature {
    Objects.requireNonNull(r, "r");
    Objects.requireNonNull(s, "s");
    if (!BitcoinCrypto.isValidScalar(r) || !BitcoinCrypto.isValidScalar(s)) {
      throw new MalformedEncodingException("ECDSA r and s must be in [1, n-1]");
    }
  }

  /**
   * Decodes a strict DER signature: {@code 30 len 02 rlen r 02 slen s}, short-form lengths, no
   * excess padding, no negative integers, no trailing bytes, r and s in [1, n-1].
   *
   * @throws MalformedEncodingException otherwise
   */
  public static EcdsaSignature fromDer(byte[] der) {
    int n = der.length;
    if (n < 8 || n > 72) {
      throw new MalformedEncodingException("DER signature must be 8 to 72 bytes, got " + n);
    }
    if ((der[0] & 0xff) != 0x30) {
      throw new MalformedEncodingException("DER signature must start with a SEQUENCE");
    }
    if ((der[1] & 0xff) != n - 2) {
      throw new MalformedEncodingException("DER sequence length does not match the signature length");
    }
    BigInteger[] rs = new BigInteger[2];
    int pos = 2;
    for (int i = 0; i < 2; i++) {
      if (pos + 2 > n || der[pos] != 0x02) {
        throw new MalformedEncodingException("DER signature element " + i + " is not an INTEGER");
      }
      int len = der[pos + 1] & 0xff;
      pos += 2;
      if (len == 0 || len > 33 || pos + len > n) {
        throw new MalformedEncodingException("bad DER integer length");
      }
      if ((der[pos] & 0x80) != 0) {
        throw new MalformedEncodingException("negative DER integer");
      }
      if (len > 1 && der[pos] == 0 && (der[pos + 1] & 0x80) == 0) {
        throw new MalformedEncodingException("DER integer has excess zero padding");
      }
      rs[i] = new BigInteger(1, Arrays.copyOfRange(der, pos, pos + len));
      pos += len;
    }
    if (pos != n) {
      throw new MalformedEncodingException("trailing bytes after DER signature");
    }
    return new EcdsaSignature(rs[0], rs[1]);
  }

  /** Strict DER encoding. */
  public byte[] toDer() {
    byte[] rb = r.toByteArray();
    byte[] sb = s.toByteArray();
    ByteWriter w = new ByteWriter(72);
    w.u8(0x30).u8(4 + rb.length + sb.length);
    w.u8(0x02).u8(rb.length).bytes(rb);
    w.u8(0x02).u8(sb.length).bytes(sb);
    return w.toByteArray();
  }

  /** True if s is at most n/2 (BIP 62 low-S). */
  public boolean isLowS() {
    return s.compareTo(BitcoinCrypto.HALF_N) <= 0;
  }

  /** This signature with s replaced by n - s if s is above n/2. */
  public EcdsaSignature normalizeLowS() {
    return isLowS() ? this : new EcdsaSignature(r, BitcoinCrypto.N.subtract(s));
  }

  @Override
  public String toString() {
    return "EcdsaSignature[" + Hex.encode(toDer()) + "]";
  }
}
