package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The MedLedger anchor payload carried in an OP_RETURN output: the 4-byte ASCII tag
 * {@code "MDLG"}, one version byte ({@code 0x01}) and the 32-byte commitment, 37 bytes pushed
 * with a single direct push ({@code 6a 25 4d444c47 01 <32 bytes>}, 39 script bytes).
 * Stateless and thread-safe.
 */
public final class OpReturnAnchor {
  /** The tag that marks a MedLedger anchor. */
  public static final byte[] TAG = "MDLG".getBytes(StandardCharsets.US_ASCII);
  /** The payload format version. */
  public static final int VERSION = 1;
  /** Payload length: tag, version and commitment. */
  public static final int PAYLOAD_LENGTH = 4 + 1 + 32;

  private OpReturnAnchor() {}

  /** The 37-byte payload for {@code commitment}. */
  public static byte[] payload(Digest commitment) {
    byte[] p = new byte[PAYLOAD_LENGTH];
    System.arraycopy(TAG, 0, p, 0, 4);
    p[4] = VERSION;
    commitment.copyTo(p, 5);
    return p;
  }

  /** The OP_RETURN output script for {@code commitment}. */
  public static Script script(Digest commitment) {
    return Script.opReturn(payload(commitment));
  }

  /**
   * The commitment carried by {@code script} if it is exactly the canonical anchor script of this
   * version, else empty.
   */
  public static Optional<Digest> commitmentOf(Script script) {
    byte[] s = script.raw();
    if (s.length != PAYLOAD_LENGTH + 2 || (s[0] & 0xff) != Script.OP_RETURN || s[1] != PAYLOAD_LENGTH
        || !Arrays.equals(s, 2, 6, TAG, 0, 4) || s[6] != VERSION) {
      return Optional.empty();
    }
    return Optional.of(Digest.of(s, 7));
  }

  /** The commitment of the first anchor output of {@code tx}, if any. */
  public static Optional<Digest> find(Transaction tx) {
    for (TxOutput o : tx.outputs()) {
      Optional<Digest> d = commitmentOf(o.scriptPubKey());
      if (d.isPresent()) {
        return d;
      }
    }
    return Optional.empty();
  }
}
