package io.medledger.tlog;

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
}
