package io.medledger.chain;

/**
 * A block that passed full validation against the ledger state as of its parent. Only
 * {@link Ledger#validate} and {@link Ledger#propose} create one; {@link Ledger#append(VerifiedBlock,
 * Certificate)} accepts it while its parent is still the ledger's tip.
 *
 * <p>Immutable and thread-safe.
 */
public final class VerifiedBlock {
  private final BlockEffects effects;
  private final Ledger ledger;

  VerifiedBlock(BlockEffects effects, Ledger ledger) {
    this.effects = effects;
    this.ledger = ledger;
  }

  /** The block. */
  public Block block() {
    return effects.block;
  }

  /** The header. */
  public BlockHeader header() {
    return effects.block.header();
  }

  BlockEffects effects() {
    return effects;
  }

  Ledger ledger() {
    return ledger;
  }

  @Override
  public String toString() {
    return "VerifiedBlock[" + effects.block + "]";
  }
}
