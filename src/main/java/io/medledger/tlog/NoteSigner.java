package io.medledger.tlog;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * An Ed25519 signer of C2SP signed notes ({@link NoteKey#ED25519}) or of {@code tlog-cosignature}
 * witness cosignatures ({@link NoteKey#COSIGNATURE_V1}) under one key name.
 *
 * <p>{@link #destroy()} wipes the key it signs with: the derived key of {@link #derive} and
 * {@link #forServer}, which nothing else holds, or the key given to {@link #ed25519} or
 * {@link #cosigner}. Thread-safe; apart from that one-way destruction, immutable.
 */
public final class NoteSigner implements Destroyable {
  /** Domain of the note key derived from a ledger key. */
  private static final byte[] DERIVATION = "medledger/note-key/v1\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] COSIGNATURE_HEADER = "cosignature/v1\ntime ".getBytes(StandardCharsets.US_ASCII);

  private final Ed25519PrivateKey key;
  private final NoteKey verifier;

  private NoteSigner(String name, int type, Ed25519PrivateKey key) {
    this.key = Objects.requireNonNull(key, "key");
    this.verifier = new NoteKey(name, type, key.publicKey());
  }

  /** A note signer (signature type 0x01) with {@code key} under {@code name}. */
  public static NoteSigner ed25519(String name, Ed25519PrivateKey key) {
    return new NoteSigner(name, NoteKey.ED25519, key);
  }

  /** A witness cosigner (signature type 0x04, {@code cosignature/v1}) with {@code key} under {@code name}. */
  public static NoteSigner cosigner(String name, Ed25519PrivateKey key) {
    return new NoteSigner(name, NoteKey.COSIGNATURE_V1, key);
  }

  /**
   * The note signer of a federation server, derived from its ledger key: the Ed25519 seed is
   * {@code SHA-256("medledger/note-key/v1\n" || ledger seed)}, so the note key never signs ledger
   * messages and the ledger key never signs notes. Publish the link with {@link NoteKeyBinding}.
   */
  public static NoteSigner derive(String name, Ed25519PrivateKey ledgerKey) {
    byte[] seed = ledgerKey.exportSecretBytes();
    try {
      byte[] derived = Sha256.hash(DERIVATION, seed).toByteArray();
      try {
        return ed25519(name, Ed25519PrivateKey.fromSeed(derived));
      } finally {
        java.util.Arrays.fill(derived, (byte) 0);
      }
    } finally {
      java.util.Arrays.fill(seed, (byte) 0);
    }
  }

  /**
   * The note signer of federation server {@code ledgerKey} on chain {@code chainId}: derived from
   * its ledger key ({@link #derive}) under {@link NoteKeyBinding#serverKeyName}.
   */
  public static NoteSigner forServer(io.medledger.crypto.Digest chainId, Ed25519PrivateKey ledgerKey) {
    return derive(NoteKeyBinding.serverKeyName(chainId, ledgerKey.publicKey()), ledgerKey);
  }

  /** The verifier key. */
  public NoteKey verifierKey() {
    return verifier;
  }

  /**
   * Signs {@code text} (a note text ending in a newline) as a signed-note signature.
   *
   * @throws IllegalStateException if this is a cosigner
   */
  public NoteSignature sign(String text) {
    if (verifier.type() != NoteKey.ED25519) {
      throw new IllegalStateException("a cosigner signs with cosign(text, timestamp)");
    }
    byte[] sig = key.sign(text.getBytes(StandardCharsets.UTF_8));
    return new NoteSignature(verifier.name(), verifier.keyId(), sig);
  }

  /**
   * Cosigns a checkpoint's note text at {@code timestamp} (POSIX seconds) as {@code cosignature/v1}:
   * the signature is over {@code "cosignature/v1\ntime <timestamp>\n" || text}, and the line carries
   * the 8-byte big-endian timestamp before the 64-byte signature.
   *
   * @throws IllegalStateException if this is not a cosigner
   */
  public NoteSignature cosign(String text, long timestamp) {
    if (verifier.type() != NoteKey.COSIGNATURE_V1) {
      throw new IllegalStateException("a note signer signs with sign(text)");
    }
    byte[] sig = key.sign(cosignedMessage(text, timestamp));
    byte[] out = ByteBuffer.allocate(8 + sig.length).putLong(timestamp).put(sig).array();
    return new NoteSignature(verifier.name(), verifier.keyId(), out);
  }

  /**
   * The message a {@code cosignature/v1} signs.
   *
   * @throws IllegalArgumentException if the timestamp is negative
   */
  static byte[] cosignedMessage(String text, long timestamp) {
    if (timestamp < 0) {
      throw new IllegalArgumentException("timestamp must not be negative");
    }
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    byte[] ts = (Long.toString(timestamp) + "\n").getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(COSIGNATURE_HEADER.length + ts.length + t.length).put(COSIGNATURE_HEADER).put(ts)
        .put(t).array();
  }

  /**
   * Wipes the signing key; from then on signing throws {@link IllegalStateException}. Idempotent.
   */
  @Override
  public void destroy() {
    key.destroy();
  }

  /** Whether the signing key was destroyed. */
  @Override
  public boolean isDestroyed() {
    return key.isDestroyed();
  }

  @Override
  public String toString() {
    return "NoteSigner[" + verifier.encode() + (isDestroyed() ? ", destroyed]" : ", secret=<redacted>]");
  }
}
