package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.merkle.CompactRange;
import java.util.List;

/** Everything a validated block changes, computed once and applied on append. */
final class BlockEffects {
  final Block block;
  final Overlay overlay;
  final List<SubBlockHeader> subBlocks;
  final HeadsTree headsTree;
  final CompactRange frontier;

  BlockEffects(Block block, Overlay overlay, List<SubBlockHeader> subBlocks, HeadsTree headsTree,
      CompactRange frontier) {
    this.block = block;
    this.overlay = overlay;
    this.subBlocks = subBlocks;
    this.headsTree = headsTree;
    this.frontier = frontier;
  }

  /** The roots a header must carry for these entries. */
  record Roots(Digest entriesRoot, Digest subBlocksRoot, Digest patientHeadsRoot, long ledgerSize,
      Digest ledgerRoot, List<SubBlockHeader> subBlocks, HeadsTree headsTree, CompactRange frontier) {}
}
