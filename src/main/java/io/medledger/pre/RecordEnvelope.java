package io.medledger.pre;

import io.medledger.internal.ChunkedAead;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.crypto.AEADBadTagException;

/**
 * Encrypted envelopes for medical record payloads (FHIR JSON of any size). A fresh 32-byte data
 * key encrypts the payload in 64 KiB chunks (ChaCha20-Poly1305, STREAM construction); the data
 * key itself is encrypted for the patient with Umbral, so that proxies can re-encrypt the capsule
 * for a grantee without ever seeing the key or the payload.
 *
 * <p>Layout: {@link EnvelopeHeader} then the chunked ciphertext. Thread-safe: stateless.
 */
public final class RecordEnvelope {
  private static final int KEY_LENGTH = 32;

  private RecordEnvelope() {}

  /** Encrypts {@code payload} for {@code owner} with fresh randomness; returns the whole envelope. */
  public static byte[] seal(PublicKey owner, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 256);
    try {
      seal(owner, new ByteArrayInputStream(payload), out, EntropySource.secure());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Streams {@code payload} into an envelope for {@code owner} on {@code out}; returns the header.
   */
  public static EnvelopeHeader seal(PublicKey owner, InputStream payload, OutputStream out, EntropySource rng)
      throws IOException {
    byte[] key = new byte[KEY_LENGTH];
    rng.nextBytes(key);
    try {
      EncryptionResult wrapped = Umbral.encrypt(owner, key, rng);
      EnvelopeHeader header = new EnvelopeHeader(wrapped.capsule(), wrapped.ciphertext());
      out.write(header.toBytes());
      ChunkedAead.encrypt(key, header.binding().toByteArray(), payload, out);
      return header;
    } finally {
      java.util.Arrays.fill(key, (byte) 0);
    }
  }

  /** Opens an envelope as its owner and returns the payload. */
  public static byte[] openAsOwner(SecretKey owner, byte[] envelope) throws EnvelopeException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(envelope.length);
    try {
      openAsOwner(owner, new ByteArrayInputStream(envelope), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Streams the payload of an envelope to {@code out} as its owner; returns the payload length.
   * On an exception the output holds at most the chunks that authenticated before the failure and
   * must be discarded.
   *
   * @throws EnvelopeException if the key is wrong or the envelope was altered
   * @throws io.medledger.codec.MalformedEncodingException if the header is malformed
   */
  public static long openAsOwner(SecretKey owner, InputStream envelope, OutputStream out)
      throws IOException, EnvelopeException {
    EnvelopeHeader header = EnvelopeHeader.read(envelope);
    byte[] key;
    try {
      key = Umbral.decryptOriginal(owner, header.capsule(), header.encryptedKey());
    } catch (DecryptionException e) {
      throw new EnvelopeException("the envelope does not open with this key: " + e.getMessage(), null, e);
    }
    return payload(key, header, envelope, out);
  }

  /**
   * Verifies each proxy's capsule fragment, then opens an envelope as the grantee from at least
   * {@code threshold} of them and returns the payload.
   *
   * @throws EnvelopeException naming the proxy whose fragment is forged or wrong, or if fewer
   *     than {@code threshold} distinct fragments were given, or the envelope was altered
   */
  public static byte[] openAsGrantee(SecretKey grantee, PublicKey owner, PublicKey ownerVerifyingKey,
      int threshold, List<ProxyResponse> responses, byte[] envelope) throws EnvelopeException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(envelope.length);
    try {
      openAsGrantee(grantee, owner, ownerVerifyingKey, threshold, responses, new ByteArrayInputStream(envelope), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Streaming form of {@link #openAsGrantee(SecretKey, PublicKey, PublicKey, int, List, byte[])}. */
  public static long openAsGrantee(SecretKey grantee, PublicKey owner, PublicKey ownerVerifyingKey, int threshold,
      List<ProxyResponse> responses, InputStream envelope, OutputStream out) throws IOException, EnvelopeException {
    Objects.requireNonNull(responses, "responses");
    EnvelopeHeader header = EnvelopeHeader.read(envelope);
    List<VerifiedCapsuleFrag> verified = verifyResponses(header.capsule(), grantee.publicKey(), owner,
        ownerVerifyingKey, threshold, responses);
    byte[] key;
    try {
      key = Umbral.decryptReencrypted(grantee, owner, header.capsule(), verified, header.encryptedKey());
    } catch (DecryptionException e) {
      throw new EnvelopeException("the capsule fragments do not open this envelope: " + e.getMessage(), null, e);
    }
    return payload(key, header, envelope, out);
  }

  /**
   * Verifies proxies' answers for a capsule and returns {@code threshold} verified fragments.
   *
   * @throws EnvelopeException naming the first proxy whose fragment does not verify, or if fewer
   *     than {@code threshold} distinct proxies answered
   */
  public static List<VerifiedCapsuleFrag> verifyResponses(Capsule capsule, PublicKey grantee, PublicKey owner,
      PublicKey ownerVerifyingKey, int threshold, List<ProxyResponse> responses) throws EnvelopeException {
    if (threshold < 1) {
      throw new IllegalArgumentException("threshold must be at least 1");
    }
    List<VerifiedCapsuleFrag> verified = new ArrayList<>();
    Set<String> seenProxies = new HashSet<>();
    Set<String> seenFrags = new HashSet<>();
    for (ProxyResponse r : responses) {
      Verification<VerifiedCapsuleFrag> v = r.capsuleFrag().verify(capsule, ownerVerifyingKey, owner, grantee);
      if (!v.isVerified()) {
        throw new EnvelopeException("proxy " + r.proxyId() + " returned an invalid capsule fragment: "
            + v.failure().orElseThrow().description(), r.proxyId(), null);
      }
      if (!seenProxies.add(r.proxyId())) {
        throw new EnvelopeException("proxy " + r.proxyId() + " answered twice", r.proxyId(), null);
      }
      if (!seenFrags.add(io.medledger.codec.Hex.encode(r.capsuleFrag().kfragId()))) {
        throw new EnvelopeException("proxy " + r.proxyId() + " replayed another proxy's fragment", r.proxyId(), null);
      }
      verified.add(v.verified().orElseThrow());
    }
    if (verified.size() < threshold) {
      throw new EnvelopeException("need capsule fragments from " + threshold + " proxies, got " + verified.size());
    }
    return verified.subList(0, threshold);
  }

  private static long payload(byte[] key, EnvelopeHeader header, InputStream in, OutputStream out)
      throws IOException, EnvelopeException {
    try {
      return ChunkedAead.decrypt(key, header.binding().toByteArray(), in, out);
    } catch (AEADBadTagException e) {
      throw new EnvelopeException("the envelope payload was altered or truncated", null, e);
    } finally {
      java.util.Arrays.fill(key, (byte) 0);
    }
  }
}
