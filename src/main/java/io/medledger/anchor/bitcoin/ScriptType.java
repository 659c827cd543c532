package io.medledger.anchor.bitcoin;

/** Standard output script templates recognised by {@link Script#type()}. Immutable. */
public enum ScriptType {
  /** {@code OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG}. */
  P2PKH,
  /** {@code OP_HASH160 <20> OP_EQUAL}. */
  P2SH,
  /** {@code OP_0 <20>}. */
  P2WPKH,
  /** {@code OP_0 <32>}. */
  P2WSH,
  /** {@code OP_1 <32>}. */
  P2TR,
  /** A witness program of another version or length (versions 1 to 16, 2 to 40 bytes). */
  WITNESS_UNKNOWN,
  /** {@code OP_RETURN} followed only by data pushes (a provably unspendable data carrier). */
  OP_RETURN,
  /** Anything else. */
  NONSTANDARD
}
