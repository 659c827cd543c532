package io.medledger.anchor.bitcoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.crypto.Digest;
import io.medledger.testing.SharedVectors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerkleBranchTest {
  static Digest internal(JsonNode displayHex) {
    return Digest.fromHex(displayHex.asText()).reversed();
  }

  @Test
  void publishedBranchesFoldToTheRealMerkleRoots() {
    int n = 0;
    for (JsonNode b : SharedVectors.json("vectors/bitcoin/mainnet-blocks.json").get("blocks")) {
      BitcoinBlockHeader header = BitcoinBlockHeader.fromHex(b.get("header_hex").asText());
      List<Digest> txids = new ArrayList<>();
      b.get("txids").forEach(t -> txids.add(internal(t)));
      for (JsonNode s : b.get("spv_branches")) {
        List<Digest> path = new ArrayList<>();
        s.get("branch").forEach(x -> path.add(internal(x)));
        MerkleBranch branch = new MerkleBranch(internal(s.get("txid")), s.get("tx_index").asLong(), path);
        assertTrue(branch.leadsTo(header), b.get("hash").asText());
        assertTrue(branch.matchesTransactionCount(txids.size()));
        assertFalse(branch.matchesTransactionCount(txids.size() * 2L + 1));
        assertEquals(branch, MerkleBranch.fromTxids(txids, (int) branch.index()));
        // One flipped bit anywhere breaks it.
        byte[] tx = branch.txid().toByteArray();
        tx[5] ^= 0x10;
        assertFalse(new MerkleBranch(Digest.of(tx), branch.index(), path).leadsTo(header));
        if (!path.isEmpty()) {
          List<Digest> bad = new ArrayList<>(path);
          byte[] sib = bad.get(path.size() - 1).toByteArray();
          sib[31] ^= 1;
          bad.set(path.size() - 1, Digest.of(sib));
          assertFalse(new MerkleBranch(branch.txid(), branch.index(), bad).leadsTo(header));
          long otherIndex = branch.index() ^ (1L << (path.size() - 1));
          assertFalse(new MerkleBranch(branch.txid(), otherIndex, path).leadsTo(header));
        }
        n++;
      }
      // Every transaction of the smaller blocks gets a branch that folds to the root.
      if (txids.size() <= 600) {
        for (int i = 0; i < txids.size(); i++) {
          assertTrue(MerkleBranch.fromTxids(txids, i).leadsTo(header));
        }
      }
    }
    assertTrue(n >= 40);
  }

  @Test
  void theDuplicatedSubtreeForgeryIsCaughtByTheCountCheck() {
    // Bitcoin's tree of [a, b, c] equals that of [a, b, c, c]: a branch for the phantom 4th
    // transaction folds to the real root, but not as a block of 3 transactions.
    List<Digest> three = List.of(d(1), d(2), d(3));
    List<Digest> four = List.of(d(1), d(2), d(3), d(3));
    MerkleBranch phantom = MerkleBranch.fromTxids(four, 3);
    MerkleBranch real = MerkleBranch.fromTxids(three, 2);
    assertEquals(real.computeRoot(), phantom.computeRoot());
    assertTrue(real.matchesTransactionCount(3));
    assertFalse(phantom.matchesTransactionCount(3));
    assertFalse(phantom.matchesTransactionCount(4), "a sibling equal to its node is rejected");
  }

  @Test
  void indexMustFitTheDepth() {
    assertThrows(IllegalArgumentException.class, () -> new MerkleBranch(d(1), 4, List.of(d(2), d(3))));
    assertThrows(IllegalArgumentException.class, () -> new MerkleBranch(d(1), -1, List.of()));
    assertThrows(IllegalArgumentException.class, () -> MerkleBranch.fromTxids(List.of(d(1)), 1));
    assertEquals(d(1), new MerkleBranch(d(1), 0, List.of()).computeRoot());
  }

  private static Digest d(int i) {
    byte[] b = new byte[32];
    b[0] = (byte) i;
    return Digest.of(b);
  }
}
