package io.medledger.tlog;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A C2SP {@code signed-note} verifier key: a key name, a signature type ({@link #ED25519} for
 * note signatures, {@link #COSIGNATURE_V1} for {@code tlog-cosignature} witness cosignatures)
 * and an Ed25519 public key. Its key ID is {@code SHA-256(name || 0x0A || type || key)[:4]}, and
 * its text form ({@link #encode()}) is the {@code vkey} {@code <name>+<hex key ID>+<base64(type ||
 * key)>} that Go's {@code golang.org/x/mod/sumdb/note} reads for type 0x01.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the key name (non-empty, no Unicode spaces, no {@code +})
 * @param type the signature type byte
 * @param publicKey the Ed25519 public key
 */
public record NoteKey(String name, int type, Ed25519PublicKey publicKey) {
  /** Signature type of Ed25519 note signatures. */
  public static final int ED25519 = 0x01;
  /** Signature type of timestamped Ed25519 witness cosignatures ({@code cosignature/v1}). */
  public static final int COSIGNATURE_V1 = 0x04;
  /** Longest key name accepted. */
  public static final int MAX_NAME = io.medledger.chain.Limits.MAX_NAME_BYTES;

  /**
   * Checks the name and type.
   *
   * @throws IllegalArgumentException if the name is not a valid key name or the type unsupported
   */
  public NoteKey {
    checkName(name);
    if (type != ED25519 && type != COSIGNATURE_V1) {
      throw new IllegalArgumentException("unsupported signature type " + type);
    }
    Objects.requireNonNull(publicKey, "publicKey");
  }

  /**
   * Checks that {@code name} is a valid key name: non-empty, at most {@link #MAX_NAME} bytes, no
   * Unicode spaces, no {@code +}, no control characters.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static void checkName(String name) {
    io.medledger.chain.Witness.checkName(name);
  }

  /** The {@code cosignature/v1} verifier key of a witness the chain lists. */
  public static NoteKey of(io.medledger.chain.Witness w) {
    return new NoteKey(w.name(), COSIGNATURE_V1, w.key());
  }

  /** The 32-bit key ID. */
  public int keyId() {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] h = Sha256.hash(n, new byte[] {'\n', (byte) type}, publicKey.toBytes()).toByteArray();
    return ByteBuffer.wrap(h).getInt();
  }

  /** The {@code vkey} text form. */
  public String encode() {
    byte[] k = new byte[1 + Ed25519PublicKey.LENGTH];
    k[0] = (byte) type;
    System.arraycopy(publicKey.toBytes(), 0, k, 1, Ed25519PublicKey.LENGTH);
    return name + "+" + String.format("%08x", keyId()) + "+" + Base64.getEncoder().encodeToString(k);
  }

  /**
   * Parses a {@code vkey}; the key ID must match the name and key.
   *
   * @throws MalformedEncodingException if the text is not a valid vkey of a supported type
   */
  public static NoteKey parse(String vkey) {
    Objects.requireNonNull(vkey, "vkey");
    if (vkey.length() > MAX_NAME + 64) {
      throw new MalformedEncodingException("vkey too long");
    }
    // Names hold no '+', so the first one ends the name; base64 may hold more of them.
    int a = vkey.indexOf('+');
    int b = a + 9;
    if (a < 0 || b >= vkey.length() || vkey.charAt(b) != '+') {
      throw new MalformedEncodingException("a vkey is <name>+<8 hex digits>+<base64 key>");
    }
    String name = vkey.substring(0, a);
    String idHex = vkey.substring(a + 1, b);
    byte[] k;
    try {
      k = Base64.getDecoder().decode(vkey.substring(b + 1));
      if (!Base64.getEncoder().encodeToString(k).equals(vkey.substring(b + 1))) {
        throw new IllegalArgumentException("non-canonical base64");
      }
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("vkey key is not base64");
    }
    if (k.length != 1 + Ed25519PublicKey.LENGTH) {
      throw new MalformedEncodingException("vkey key must be a type byte and 32 bytes");
    }
    NoteKey key;
    try {
      byte[] raw = java.util.Arrays.copyOfRange(k, 1, k.length);
      key = new NoteKey(name, k[0] & 0xff, Ed25519PublicKey.fromBytes(raw));
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("vkey: " + e.getMessage());
    }
    if (!idHex.equals(String.format("%08x", key.keyId()))) {
      if (!idHex.matches("[0-9a-f]{8}")) {
        throw new MalformedEncodingException("vkey key ID must be 8 lowercase hex digits");
      }
      throw new MalformedEncodingException("vkey key ID does not match its name and key");
    }
    return key;
  }

  /** Whether {@code s} is by this key by name and key ID (the signature itself is not checked). */
  public boolean matches(NoteSignature s) {
    return s.keyName().equals(name) && s.keyId() == keyId();
  }

  @Override
  public String toString() {
    return encode();
  }
}
