package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.testing.SharedVectors;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BranchFromMerkleBlockTest {
  @Test
  void everyMatchOfEveryRealProofYieldsABranchToTheRoot() {
    JsonNode root = SharedVectors.json("vectors/bitcoin/mainnet-merkleblocks.json");
    int branches = 0;
    for (JsonNode mb : root.get("merkleblocks")) {
      byte[] bytes = Hex.decode(mb.get("merkleblock_hex").asText());
      Digest merkleRoot = Digest.fromHex(mb.get("merkle_root").asText()).reversed();
      for (JsonNode m : mb.get("matched")) {
        Digest txid = Digest.fromHex(m.get("txid").asText()).reversed();
        Optional<MerkleBranch> b = BitcoinCoreBackend.branchFromMerkleBlock(bytes, txid);
        assertTrue(b.isPresent(), mb.get("description").asText());
        assertEquals(m.get("index").asLong(), b.get().index());
        assertEquals(merkleRoot, b.get().computeRoot());
        assertTrue(b.get().matchesTransactionCount(mb.get("total_transactions").asLong()));
        branches++;
      }
      // a txid the proof does not match gives nothing
      assertTrue(BitcoinCoreBackend.branchFromMerkleBlock(bytes, Digest.of(new byte[32])).isEmpty());
    }
    assertTrue(branches >= 8, "expected the real proofs' matches, got " + branches);
    for (JsonNode bad : root.get("invalid_cases")) {
      byte[] bytes = Hex.decode(bad.get("merkleblock_hex").asText());
      for (int i = 0; i + 32 <= Math.min(bytes.length, 400); i += 32) {
        assertTrue(BitcoinCoreBackend.branchFromMerkleBlock(bytes, Digest.of(bytes, i)).isEmpty(),
            bad.get("description").asText());
      }
    }
    assertTrue(BitcoinCoreBackend.branchFromMerkleBlock(new byte[10], Digest.of(new byte[32])).isEmpty());
  }
}
