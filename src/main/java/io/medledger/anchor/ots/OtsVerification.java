package io.medledger.anchor.ots;

import io.medledger.codec.Hex;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The verdict of checking a proof's Bitcoin attestations against a header source. The proof
 * holds when at least one Bitcoin attestation is confirmed and none is contradicted (wrong
 * Merkle root, failing proof of work, a commitment that is not 32 bytes); attestations whose
 * header the source lacks are reported but neither confirm nor contradict. Immutable and
 * thread-safe.
 *
 * @param bitcoin one check per Bitcoin attestation, in proof order
 */
public record OtsVerification(List<BitcoinCheck> bitcoin) {
  /** Copies the list. */
  public OtsVerification {
    bitcoin = List.copyOf(bitcoin);
  }

  /** Whether the proof holds (see the type's description). */
  public boolean holds() {
    return bitcoin.stream().anyMatch(c -> c.status() == Status.VERIFIED)
        && bitcoin.stream().noneMatch(c -> c.status().contradicts());
  }

  /** Why the proof does not hold, or {@code "ok"} when it does. */
  public String reason() {
    if (bitcoin.isEmpty()) {
      return "no Bitcoin attestation (the proof is pending or attests elsewhere)";
    }
    for (BitcoinCheck c : bitcoin) {
      if (c.status().contradicts()) {
        return "Bitcoin attestation at height " + c.height() + ": " + c.detail();
      }
    }
    if (!holds()) {
      return "no header available for any attested height"
          + bitcoin.stream().filter(c -> c.status() == Status.NO_HEADER).findFirst()
              .map(c -> " (height " + c.height() + ": " + c.detail() + ")").orElse("");
    }
    return "ok";
  }

  /** The earliest verified block time, if any attestation is verified. */
  public OptionalLong earliestBlockTime() {
    return bitcoin.stream().filter(c -> c.status() == Status.VERIFIED)
        .mapToLong(c -> c.blockTime().getAsLong()).min();
  }

  /** Outcome of one Bitcoin attestation. */
  public enum Status {
    /** The commitment equals the Merkle root of a header with valid proof of work. */
    VERIFIED,
    /** The header source has no header at the height. */
    NO_HEADER,
    /** The commitment is not the Merkle root of the header at the height. */
    MERKLE_ROOT_MISMATCH,
    /** The header at the height fails its proof of work. */
    BAD_PROOF_OF_WORK,
    /** The commitment is not 32 bytes long. */
    BAD_COMMITMENT_LENGTH;

    /** Whether this outcome makes the proof fail. */
    public boolean contradicts() {
      return this == MERKLE_ROOT_MISMATCH || this == BAD_PROOF_OF_WORK || this == BAD_COMMITMENT_LENGTH;
    }
  }

  /**
   * One Bitcoin attestation's check.
   *
   * @param height the attested height
   * @param commitment the message the operations reach (copied)
   * @param status the outcome
   * @param blockTime the header's time when verified
   * @param blockHash the header's hash (display order hex) when a header was found, else empty
   * @param detail a human-readable explanation
   */
  public record BitcoinCheck(long height, byte[] commitment, Status status, OptionalLong blockTime,
      String blockHash, String detail) {
    /** Copies and validates the fields. */
    public BitcoinCheck {
      commitment = commitment.clone();
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(blockTime, "blockTime");
      Objects.requireNonNull(blockHash, "blockHash");
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public byte[] commitment() {
      return commitment.clone();
    }

    /** The commitment as hex. */
    public String commitmentHex() {
      return Hex.encode(commitment);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BitcoinCheck c && c.height == height && java.util.Arrays.equals(c.commitment, commitment)
          && c.status == status && c.blockTime.equals(blockTime) && c.blockHash.equals(blockHash) && c.detail.equals(detail);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(height) * 31 + status.hashCode();
    }

    @Override
    public String toString() {
      return "BitcoinCheck[" + height + " " + status + ": " + detail + "]";
    }
  }
}
