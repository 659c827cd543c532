package io.medledger.consensus.sim;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.internal.consensus.Wire;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An entry of the simulator application: a client's public key, a nonce, an opaque payload and the
 * client's Ed25519 signature over them. Immutable.
 */
public record SimEntry(byte[] client, long nonce, byte[] payload, byte[] signature) {
  /** Largest payload a decoder accepts. */
  public static final int MAX_PAYLOAD = 64 * 1024;

  private static final byte[] DOMAIN = "medledger/sim/entry/v1".getBytes(StandardCharsets.US_ASCII);

  public SimEntry {
    if (client == null || client.length != 32 || payload == null || payload.length > MAX_PAYLOAD
        || signature == null || signature.length != 64) {
      throw new IllegalArgumentException("malformed simulator entry");
    }
    client = client.clone();
    payload = payload.clone();
    signature = signature.clone();
  }

  /** A signed entry. */
  public static SimEntry sign(Ed25519PrivateKey key, long nonce, byte[] payload) {
    byte[] pk = key.publicKey().toBytes();
    return new SimEntry(pk, nonce, payload, key.sign(signingBytes(pk, nonce, payload)));
  }

  static byte[] signingBytes(byte[] client, long nonce, byte[] payload) {
    return new Wire.Writer(DOMAIN.length + 48 + payload.length).raw(DOMAIN).raw(client).i64(nonce)
        .bytes(payload).toByteArray();
  }

  /** The bytes the signature covers. */
  public byte[] signingBytes() {
    return signingBytes(client, nonce, payload);
  }

  @Override
  public byte[] client() {
    return client.clone();
  }

  @Override
  public byte[] payload() {
    return payload.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  byte[] clientRaw() {
    return client;
  }

  byte[] signatureRaw() {
    return signature;
  }

  /** The canonical encoding. */
  public byte[] encode() {
    return new Wire.Writer(112 + payload.length).raw(client).i64(nonce).bytes(payload).raw(signature)
        .toByteArray();
  }

  /** Decodes an entry. @throws MalformedEncodingException if the bytes are not one entry */
  public static SimEntry decode(byte[] bytes) {
    Wire.Reader r = new Wire.Reader(bytes);
    byte[] c = r.raw(32);
    long n = r.i64();
    byte[] p = r.bytes(MAX_PAYLOAD);
    byte[] s = r.raw(64);
    r.done();
    return new SimEntry(c, n, p, s);
  }

  /** A copy whose signature no longer verifies (for invalid-block behaviours and tests). */
  public SimEntry corrupted() {
    byte[] s = signature.clone();
    s[0] ^= 1;
    return new SimEntry(client, nonce, payload, s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SimEntry e && e.nonce == nonce && Arrays.equals(e.client, client)
        && Arrays.equals(e.payload, payload) && Arrays.equals(e.signature, signature);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "SimEntry[nonce=" + nonce + ", payload=" + payload.length + " bytes]";
  }
}
