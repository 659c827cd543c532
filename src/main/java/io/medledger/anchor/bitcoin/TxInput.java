package io.medledger.anchor.bitcoin;

import java.util.Objects;

/**
 * A transaction input. Immutable and thread-safe.
 *
 * @param outPoint the output it spends
 * @param scriptSig the unlocking script (empty for native segwit spends)
 * @param sequence nSequence, 0 to 2^32-1
 * @param witness the witness stack (empty for legacy spends)
 */
public record TxInput(OutPoint outPoint, Script scriptSig, long sequence, WitnessStack witness) {
  /** nSequence that disables relative lock time and RBF signalling. */
  public static final long SEQUENCE_FINAL = 0xffffffffL;
  /** nSequence 0xfffffffd: signals BIP 125 replaceability, no relative lock time. */
  public static final long SEQUENCE_RBF = 0xfffffffdL;

  /** Validates the fields. */
  public TxInput {
    Objects.requireNonNull(outPoint, "outPoint");
    Objects.requireNonNull(scriptSig, "scriptSig");
    Objects.requireNonNull(witness, "witness");
    if (sequence < 0 || sequence > 0xffffffffL) {
      throw new IllegalArgumentException("sequence must be a 32-bit unsigned value");
    }
  }

  /** An unsigned input: empty scriptSig and witness. */
  public static TxInput unsigned(OutPoint outPoint, long sequence) {
    return new TxInput(outPoint, Script.EMPTY, sequence, WitnessStack.EMPTY);
  }

  /** This input with another scriptSig. */
  public TxInput withScriptSig(Script s) {
    return new TxInput(outPoint, s, sequence, witness);
  }

  /** This input with another witness. */
  public TxInput withWitness(WitnessStack w) {
    return new TxInput(outPoint, scriptSig, sequence, w);
  }
}
