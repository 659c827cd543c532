package io.medledger.anchor.ots;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.CompactTarget;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Sha256;
import io.medledger.testing.SharedVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every real proof of shared/vectors/ots against what manifest.json says it must give. */
class OtsVectorsTest {
  static final String DIR = "vectors/ots/";

  static JsonNode items() {
    return SharedVectors.json(DIR + "manifest.json").get("items");
  }

  private static String describe(OtsAttestation a) {
    if (a instanceof OtsAttestation.Bitcoin b) {
      return "BitcoinBlockHeaderAttestation/" + b.height();
    } else if (a instanceof OtsAttestation.Ethereum e) {
      return "EthereumBlockHeaderAttestation/" + e.height();
    } else if (a instanceof OtsAttestation.Litecoin l) {
      return "LitecoinBlockHeaderAttestation/" + l.height();
    } else if (a instanceof OtsAttestation.Pending p) {
      return "PendingAttestation/" + p.uri();
    } else {
      return "UnknownAttestation/" + Hex.encode(a.tag()) + "/" + Hex.encode(a.payload());
    }
  }

  private static String describe(JsonNode a) {
    String type = a.get("type").asText();
    switch (type) {
      case "BitcoinBlockHeaderAttestation":
      case "EthereumBlockHeaderAttestation":
        return type + "/" + a.get("height").asLong();
      case "PendingAttestation":
        return type + "/" + a.get("uri").asText();
      default:
        return type + "/" + a.get("tag_hex").asText() + "/" + a.get("payload_hex").asText();
    }
  }

  @Test
  void everyProofParsesRewritesIdenticallyAndReachesItsCommitments() {
    int valid = 0;
    int invalid = 0;
    for (JsonNode item : items()) {
      String file = item.get("file").asText();
      byte[] bytes = SharedVectors.bytes(DIR + file);
      assertEquals(item.get("ots_sha256").asText(), Sha256.hash(bytes).toHex(), file);
      if (item.get("expected").get("parse").asText().equals("error")) {
        MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> OtsTimestamp.parse(bytes), file);
        assertNotNull(e.getMessage());
        invalid++;
        continue;
      }
      OtsTimestamp t = OtsTimestamp.parse(bytes);
      assertArrayEquals(bytes, t.serialize(), file + " must be rewritten byte for byte");
      assertEquals(item.get("file_hash_op").asText(), t.fileHashOp().name(), file);
      assertEquals(item.get("file_digest").asText(), t.fileDigestHex(), file);

      List<String> expected = new ArrayList<>();
      for (JsonNode a : item.get("attestations")) {
        expected.add(describe(a) + "@" + a.get("commitment_hex").asText());
      }
      List<String> got = new ArrayList<>();
      List<Long> heights = new ArrayList<>();
      for (OtsCommitment c : t.commitments()) {
        got.add(describe(c.attestation()) + "@" + c.messageHex());
        if (c.attestation() instanceof OtsAttestation.Bitcoin b) {
          heights.add(b.height());
        }
      }
      expected.sort(null);
      got.sort(null);
      assertEquals(expected, got, file);
      List<Long> expectedHeights = new ArrayList<>();
      item.get("bitcoin_heights").forEach(h -> expectedHeights.add(h.asLong()));
      assertEquals(expectedHeights, heights, file);
      for (JsonNode a : item.get("attestations")) {
        if (a.has("merkle_root_internal_hex")) {
          assertEquals(a.get("merkle_root_internal_hex").asText(), a.get("commitment_hex").asText());
        }
      }
      // Re-parsing the rewrite gives an equal value.
      assertEquals(t, OtsTimestamp.parse(t.serialize()));
      valid++;
    }
    assertEquals(12, valid);
    assertEquals(2, invalid);
  }

  @Test
  void invalidFilesAreRejectedForTheDocumentedReasons() {
    MalformedEncodingException v = assertThrows(MalformedEncodingException.class,
        () -> OtsTimestamp.parse(SharedVectors.bytes(DIR + "invalid/bad-major-version.ots")));
    assertTrue(v.getMessage().contains("unsupported major version 1151"), v.getMessage());
    MalformedEncodingException d = assertThrows(MalformedEncodingException.class,
        () -> OtsTimestamp.parse(SharedVectors.bytes(DIR + "invalid/invalid-file-digest-type.ots")));
    assertTrue(d.getMessage().contains("unknown file hash operation tag 0xf3"), d.getMessage());
  }

  @Test
  void stampedFilesMatchTheirDigests() {
    int n = 0;
    for (JsonNode item : items()) {
      if (!item.has("stamped_files") || item.get("expected").get("parse").asText().equals("error")) {
        continue;
      }
      OtsTimestamp t = OtsTimestamp.parse(SharedVectors.bytes(DIR + item.get("file").asText()));
      for (JsonNode f : item.get("stamped_files")) {
        byte[] content = SharedVectors.bytes(DIR + f.get("file").asText());
        assertEquals(f.get("digest_matches_proof").asBoolean(), t.matchesFile(content), f.get("file").asText());
        assertTrue(t.matchesFile(SharedVectors.path(DIR + f.get("file").asText())));
        byte[] changed = java.util.Arrays.copyOf(content, content.length + 1);
        assertFalse(t.matchesFile(changed));
        n++;
      }
    }
    assertTrue(n >= 12, "stamped files checked: " + n);
  }

  @Test
  void bitcoinAttestationsVerifyAgainstHeadersWhereKnown() {
    int verified = 0;
    int mismatched = 0;
    for (JsonNode item : items()) {
      if (item.get("expected").get("parse").asText().equals("error")) {
        continue;
      }
      OtsTimestamp t = OtsTimestamp.parse(SharedVectors.bytes(DIR + item.get("file").asText()));
      for (JsonNode a : item.get("attestations")) {
        if (!a.get("type").asText().equals("BitcoinBlockHeaderAttestation")) {
          continue;
        }
        long height = a.get("height").asLong();
        JsonNode ctx = a.get("chain_context");
        BitcoinBlockHeader periodStart = BitcoinBlockHeader.fromHex(ctx.get("retarget_period_start_header_hex").asText());
        assertTrue(periodStart.checkProofOfWork(BitcoinChainParams.MAINNET));
        assertEquals(ctx.get("expected_nbits").asText(), CompactTarget.toHex(periodStart.bits()));
        if (a.get("block_header_hex").isNull()) {
          // Without a header nothing is confirmed, and nothing is contradicted.
          OtsVerification v = t.verifyBitcoin(FileHeaderSource.of(Map.of()));
          assertFalse(v.holds());
          assertEquals(OtsVerification.Status.NO_HEADER, v.bitcoin().get(0).status());
          continue;
        }
        BitcoinBlockHeader header = BitcoinBlockHeader.fromHex(a.get("block_header_hex").asText());
        assertEquals(ctx.get("expected_nbits").asText(), CompactTarget.toHex(header.bits()));
        OtsVerification v = t.verifyBitcoin(FileHeaderSource.of(Map.of(height, header)));
        OtsVerification.BitcoinCheck check = v.bitcoin().get(0);
        assertEquals(height, check.height());
        if (a.get("verifies").asBoolean()) {
          assertTrue(v.holds(), v.reason());
          assertEquals(OtsVerification.Status.VERIFIED, check.status());
          assertEquals(a.get("upstream_time_claim").get("unix_time").asLong(), check.blockTime().getAsLong());
          assertEquals(a.get("block_header").get("block_hash").asText(), check.blockHash());
          verified++;
        } else {
          assertFalse(v.holds());
          assertEquals(OtsVerification.Status.MERKLE_ROOT_MISMATCH, check.status());
          assertTrue(v.reason().contains("is not the Merkle root"), v.reason());
          mismatched++;
        }
      }
    }
    assertEquals(1, verified);
    assertEquals(1, mismatched);
  }

  @Test
  void proofsWithoutBitcoinAttestationsDoNotHold() {
    for (String f : List.of("incomplete.txt.ots", "merkle1.txt.ots", "unknown-notary.txt.ots",
        "known-and-unknown-notary.txt.ots", "hello-world.txt.eth.ots")) {
      OtsVerification v = OtsTimestamp.parse(SharedVectors.bytes(DIR + f)).verifyBitcoin(FileHeaderSource.of(Map.of()));
      assertFalse(v.holds(), f);
      assertTrue(v.bitcoin().isEmpty());
      assertTrue(v.reason().startsWith("no Bitcoin attestation"), v.reason());
    }
  }

  @Test
  void theHelloWorldProofIsRebuiltByTheBuilder() {
    byte[] original = SharedVectors.bytes(DIR + "hello-world.txt.ots");
    OtsTimestamp t = OtsTimestamp.parse(original);
    OtsCommitment c = t.commitments().get(0);
    OtsTimestamp.Builder b = OtsTimestamp.builder(t.fileDigest());
    c.path().forEach(b::then);
    assertArrayEquals(c.message(), b.currentMessage());
    OtsTimestamp rebuilt = b.attestBitcoin(358391);
    assertArrayEquals(original, rebuilt.serialize());
    assertEquals(t, rebuilt);
    // The path starts with the ripemd160 of a 2015 proof and ends in Merkle levels of sha256 pairs.
    assertEquals("ripemd160", c.path().get(0).name());
    assertTrue(c.path().size() > 20);
  }
}
