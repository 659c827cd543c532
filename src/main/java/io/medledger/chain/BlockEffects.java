package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.merkle.CompactRange;
import java.util.List;

/** Everything a validated block changes, computed once and applied on append. */
final class BlockEffects {
  final Block block;
  final Overlay overlay;
  final List<SubBlockHeader> subBlocks;
  final List<Digest> subBlockHashes;
  final HeadsTree headsTree;
  final CompactRange frontier;

  BlockEffects(Block block, Overlay overlay, Roots roots) {
    this.block = block;
    this.overlay = overlay;
    this.subBlocks = roots.subBlocks();
    this.subBlockHashes = roots.subBlockHashes();
    this.headsTree = roots.headsTree();
    this.frontier = roots.frontier();
  }

  /** The roots a header must carry for these entries. */
  record Roots(Digest entriesRoot, Digest subBlocksRoot, Digest patientHeadsRoot, long ledgerSize,
      Digest ledgerRoot, List<SubBlockHeader> subBlocks, List<Digest> subBlockHashes, HeadsTree headsTree,
      CompactRange frontier) {}
}
