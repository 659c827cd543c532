package io.medledger.internal.consensus;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The signed form of a consensus statement (domain tag, chain id, kind, height, round, block hash,
 * aux round), defined once for the consensus package, which signs it, and the chain's evidence
 * rule, which judges two of them. Stateless; thread-safe.
 */
public final class StatementBytes {
  /** Kind code of a proposal. */
  public static final int PROPOSAL = 1;
  /** Kind code of a prevote. */
  public static final int PREVOTE = 2;
  /** Kind code of a precommit. */
  public static final int PRECOMMIT = 3;
  /** Kind code of a timeout. */
  public static final int TIMEOUT = 4;

  private static final byte[] DOMAIN = "medledger/consensus/statement/v1".getBytes(StandardCharsets.US_ASCII);
  /** The length of every signed statement. */
  public static final int LENGTH = DOMAIN.length + Digest.LENGTH + 1 + 8 + 4 + Digest.LENGTH + 4;

  private StatementBytes() {}

  /** A statement read back from its signed form; fields are range-checked. */
  public record Parsed(int kind, long height, int round, Digest hash, int auxRound) {}

  /** The bytes signed for a statement on chain {@code chainId}. */
  public static byte[] encode(Digest chainId, int kind, long height, int round, Digest hash, int auxRound) {
    return new Wire.Writer(LENGTH).raw(DOMAIN).digest(chainId).u8(kind).i64(height).i32(round).digest(hash)
        .i32(auxRound).toByteArray();
  }

  /** Parses bytes of {@link #encode}; empty unless they are a well-formed statement of {@code chainId}. */
  public static Optional<Parsed> parse(byte[] bytes, Digest chainId) {
    if (bytes.length != LENGTH || !Arrays.equals(bytes, 0, DOMAIN.length, DOMAIN, 0, DOMAIN.length)) {
      return Optional.empty();
    }
    Wire.Reader r = new Wire.Reader(Arrays.copyOfRange(bytes, DOMAIN.length, bytes.length));
    try {
      if (!r.digest().equals(chainId)) {
        return Optional.empty();
      }
      int kind = r.u8();
      if (kind < PROPOSAL || kind > TIMEOUT) {
        return Optional.empty();
      }
      Parsed p = new Parsed(kind, r.i64In(1, Long.MAX_VALUE, "height"), r.i32In(0, Integer.MAX_VALUE, "round"),
          r.digest(), r.i32In(-1, Integer.MAX_VALUE, "aux round"));
      r.done();
      return Optional.of(p);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      return Optional.empty();
    }
  }
}
