package io.medledger.anchor.ots;

import io.medledger.codec.Hex;
import java.util.List;
import java.util.Objects;

/**
 * An attestation of a proof with the message it attests (the commitment the operations reach
 * from the file digest) and the operations on the way. Immutable and thread-safe.
 *
 * @param attestation the attestation
 * @param message the commitment (copied; the accessor returns a copy)
 * @param path the operations from the file digest to the commitment, in order
 */
public record OtsCommitment(OtsAttestation attestation, byte[] message, List<OtsOperation> path) {
  /** Copies the fields. */
  public OtsCommitment {
    Objects.requireNonNull(attestation, "attestation");
    message = message.clone();
    path = List.copyOf(path);
  }

  @Override
  public byte[] message() {
    return message.clone();
  }

  /** The commitment as lowercase hex, in the order the operations produce it. */
  public String messageHex() {
    return Hex.encode(message);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OtsCommitment c && c.attestation.equals(attestation)
        && java.util.Arrays.equals(c.message, message) && c.path.equals(path);
  }

  @Override
  public int hashCode() {
    return attestation.hashCode() * 31 + java.util.Arrays.hashCode(message);
  }

  @Override
  public String toString() {
    return "OtsCommitment[" + attestation + " on " + messageHex() + "]";
  }
}
