package io.medledger.consensus;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Ed25519Signatures;
import io.medledger.internal.consensus.Wire;
import java.util.Arrays;
import java.util.Objects;

/**
 * Proof that one server signed two conflicting statements: same kind, height and round, different
 * block hashes (two proposals by a bookkeeper, or two votes by a voter). Anyone can check it with
 * {@link #verify(Digest)} and only the public key; governance can then remove the server. Immutable.
 */
public record Equivocation(Ed25519PublicKey signer, Statement first, byte[] firstSignature,
    Statement second, byte[] secondSignature) {

  public Equivocation {
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(second, "second");
    if (firstSignature == null || firstSignature.length != Ed25519Signatures.SIGNATURE_LENGTH
        || secondSignature == null || secondSignature.length != Ed25519Signatures.SIGNATURE_LENGTH) {
      throw new IllegalArgumentException("evidence signatures are 64 bytes");
    }
    firstSignature = firstSignature.clone();
    secondSignature = secondSignature.clone();
  }

  @Override
  public byte[] firstSignature() {
    return firstSignature.clone();
  }

  @Override
  public byte[] secondSignature() {
    return secondSignature.clone();
  }

  /** True when the statements conflict and both signatures by {@link #signer()} are valid. */
  public boolean verify(Digest chainId) {
    return verify(chainId, SignatureVerifier.DIRECT);
  }

  /** {@link #verify(Digest)} with a given signature verifier. */
  public boolean verify(Digest chainId, SignatureVerifier verifier) {
    return first.kind() == second.kind() && first.height() == second.height()
        && first.round() == second.round() && !first.hash().equals(second.hash())
        && verifier.verify(signer, first.signingBytes(chainId), firstSignature)
        && verifier.verify(signer, second.signingBytes(chainId), secondSignature);
  }

  /** The canonical encoding (what an evidence entry on the ledger carries). */
  public byte[] encode() {
    Wire.Writer w = new Wire.Writer(300);
    w.raw(signer.toBytes());
    first.write(w);
    w.raw(firstSignature);
    second.write(w);
    w.raw(secondSignature);
    return w.toByteArray();
  }

  /** Decodes {@link #encode()} output. @throws MalformedEncodingException on malformed input */
  public static Equivocation decode(byte[] bytes) {
    Wire.Reader r = new Wire.Reader(bytes);
    Ed25519PublicKey k = Ed25519PublicKey.fromBytes(r.raw(Ed25519PublicKey.LENGTH));
    Statement a = Statement.read(r);
    byte[] sa = r.raw(Ed25519Signatures.SIGNATURE_LENGTH);
    Statement b = Statement.read(r);
    byte[] sb = r.raw(Ed25519Signatures.SIGNATURE_LENGTH);
    r.done();
    return new Equivocation(k, a, sa, b, sb);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Equivocation e && e.signer.equals(signer) && e.first.equals(first)
        && e.second.equals(second) && Arrays.equals(e.firstSignature, firstSignature)
        && Arrays.equals(e.secondSignature, secondSignature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(signer, first, second);
  }

  @Override
  public String toString() {
    return "Equivocation[signer=" + signer.toHex() + ", " + first.kind() + " h=" + first.height()
        + " r=" + first.round() + ", " + first.hash().toHex() + " vs " + second.hash().toHex() + "]";
  }
}
