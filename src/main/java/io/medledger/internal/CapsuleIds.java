package io.medledger.internal;

import io.medledger.codec.ByteString;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.pre.Capsule;
import java.util.Optional;

/**
 * What identifies the encryption a record's metadata carries, so that the ledger can refuse a
 * second record (or de-identified copy) carrying the capsule of another: re-encrypting that
 * capsule under a grant of the second record would hand its grantee the first record's key.
 *
 * <p>A proxy re-encrypts only metadata that {@link Capsule#fromBytes} accepts, whose layout is
 * fixed ({@code 93 c4 21 E c4 21 V c4 20 s}, 105 bytes) and whose points have one encoding each.
 * The id is the hash of the point E: a valid capsule with another's E and a different V would
 * need E's discrete logarithm (the capsule's self-check binds V to E), so the id stands for the
 * data key. Stateless; thread-safe.
 */
public final class CapsuleIds {
  private static final int E_OFFSET = 3;
  private static final int E_LENGTH = 33;

  private CapsuleIds() {}

  /**
   * The id of the capsule {@code metadata} holds, or empty when it has not the capsule's layout
   * (no proxy re-encrypts such metadata). Checks the layout only, not the curve.
   */
  public static Optional<Digest> of(ByteString metadata) {
    if (metadata.size() != Capsule.LENGTH || (metadata.byteAt(0) & 0xff) != 0x93 || (metadata.byteAt(1) & 0xff) != 0xc4
        || (metadata.byteAt(2) & 0xff) != E_LENGTH) {
      return Optional.empty();
    }
    byte[] e = new byte[1 + E_LENGTH];
    e[0] = 'E';
    for (int i = 0; i < E_LENGTH; i++) {
      e[1 + i] = metadata.byteAt(E_OFFSET + i);
    }
    return Optional.of(Sha256.hash(e));
  }
}
