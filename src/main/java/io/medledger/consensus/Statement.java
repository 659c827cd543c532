package io.medledger.consensus;

import io.medledger.crypto.Digest;
import io.medledger.internal.consensus.StatementBytes;
import io.medledger.internal.consensus.Wire;
import java.util.Objects;

/**
 * The compact value a consensus participant signs: kind, height, round, block hash and an
 * auxiliary round (the proof-of-lock round of a proposal or timeout, -1 when none). Signatures
 * are over {@link #signingBytes(Digest)}, which binds the chain id and a domain tag. Immutable.
 */
public record Statement(StatementKind kind, long height, int round, Digest hash, int auxRound) {
  /** A hash used by statements that name no block (a timeout without a lock). */
  public static final Digest NO_BLOCK = Digest.of(new byte[32]);

  public Statement {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(hash, "hash");
    if (height < 1 || round < 0 || auxRound < -1) {
      throw new IllegalArgumentException("invalid statement coordinates h=" + height + " r=" + round
          + " aux=" + auxRound);
    }
  }

  /** The exact bytes that are signed for this statement on chain {@code chainId}. */
  public byte[] signingBytes(Digest chainId) {
    return StatementBytes.encode(chainId, kind.code(), height, round, hash, auxRound);
  }

  /**
   * Parses bytes produced by {@link #signingBytes(Digest)} for chain {@code chainId}; empty when
   * they are not such bytes.
   */
  public static java.util.Optional<Statement> fromSigningBytes(byte[] bytes, Digest chainId) {
    return StatementBytes.parse(bytes, chainId).map(p ->
        new Statement(StatementKind.fromCode(p.kind()), p.height(), p.round(), p.hash(), p.auxRound()));
  }

  void write(Wire.Writer w) {
    w.u8(kind.code()).i64(height).i32(round).digest(hash).i32(auxRound);
  }

  static Statement read(Wire.Reader r) {
    StatementKind k = StatementKind.fromCode(r.u8());
    long h = r.i64In(1, Long.MAX_VALUE, "height");
    int round = r.i32In(0, Integer.MAX_VALUE, "round");
    Digest d = r.digest();
    int aux = r.i32In(-1, Integer.MAX_VALUE, "aux round");
    return new Statement(k, h, round, d, aux);
  }
}
