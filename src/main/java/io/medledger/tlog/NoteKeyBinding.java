package io.medledger.tlog;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A federation server's statement, signed with its ledger key, that a note key is its key for
 * signing checkpoints: the signature is over {@code "medledger/note-key-binding/v1\n" || vkey ||
 * "\n"}. A client that trusts the ledger key (from the chain's membership) learns the note key.
 *
 * <p>Immutable and thread-safe.
 *
 * @param ledgerKey the server's ledger public key
 * @param noteKey the bound note verifier key
 * @param signature the ledger key's Ed25519 signature
 */
public record NoteKeyBinding(Ed25519PublicKey ledgerKey, NoteKey noteKey, byte[] signature) {
  private static final String DOMAIN = "medledger/note-key-binding/v1\n";

  /** Copies the signature. */
  public NoteKeyBinding {
    Objects.requireNonNull(ledgerKey, "ledgerKey");
    Objects.requireNonNull(noteKey, "noteKey");
    signature = signature.clone();
  }

  /**
   * The note key name of the federation server with ledger key {@code server} on chain
   * {@code chainId}: {@code <origin>/<first 16 hex digits of its participant id>}.
   */
  public static String serverKeyName(io.medledger.crypto.Digest chainId, Ed25519PublicKey server) {
    return Checkpoint.originOf(chainId) + "/" + io.medledger.access.ParticipantId.of(server).digest().toHex()
        .substring(0, 16);
  }

  /**
   * Whether this is a valid binding of a federation server of chain {@code chainId}: the ledger
   * key signed it, the note key is an Ed25519 note key, and its name is {@link #serverKeyName}.
   */
  public boolean verifyForServer(io.medledger.crypto.Digest chainId) {
    return noteKey.type() == NoteKey.ED25519 && noteKey.name().equals(serverKeyName(chainId, ledgerKey)) && verify();
  }

  /** The one-line text form: {@code <ledger key hex> <vkey> <base64 signature>}. */
  public String encode() {
    return ledgerKey.toHex() + " " + noteKey.encode() + " " + java.util.Base64.getEncoder().encodeToString(signature);
  }

  /**
   * Parses {@link #encode()}'s form (not verified).
   *
   * @throws io.medledger.codec.MalformedEncodingException if it is not one
   */
  public static NoteKeyBinding parse(String line) {
    Objects.requireNonNull(line, "line");
    String[] p = line.split(" ", -1);
    if (line.length() > 1024 || p.length != 3) {
      throw new io.medledger.codec.MalformedEncodingException("a binding is '<ledger key hex> <vkey> <base64 signature>'");
    }
    byte[] sig;
    try {
      sig = java.util.Base64.getDecoder().decode(p[2]);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new io.medledger.codec.MalformedEncodingException("binding signature is not base64");
    }
    if (sig.length != 64) {
      throw new io.medledger.codec.MalformedEncodingException("binding signature must be 64 bytes");
    }
    return new NoteKeyBinding(Ed25519PublicKey.fromHex(p[0]), NoteKey.parse(p[1]), sig);
  }

  /** Binds {@code noteKey} to the ledger key {@code ledger}. */
  public static NoteKeyBinding create(Ed25519PrivateKey ledger, NoteKey noteKey) {
    return new NoteKeyBinding(ledger.publicKey(), noteKey, ledger.sign(message(noteKey)));
  }

  private static byte[] message(NoteKey k) {
    return (DOMAIN + k.encode() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Whether the ledger key signed this binding; never throws for a bad signature. */
  public boolean verify() {
    return ledgerKey.verify(message(noteKey), signature);
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** Equal when the keys are equal and the signatures are equal byte for byte. */
  @Override
  public boolean equals(Object o) {
    return o instanceof NoteKeyBinding b && ledgerKey.equals(b.ledgerKey) && noteKey.equals(b.noteKey)
        && java.util.Arrays.equals(signature, b.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(ledgerKey, noteKey, java.util.Arrays.hashCode(signature));
  }

  /** Its text form ({@link #encode()}). */
  @Override
  public String toString() {
    return encode();
  }
}
