package io.medledger.anchor.ots;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.FileHeaderSource;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.testing.SharedVectors;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OtsTimestampTest {
  private static final byte[] MAGIC_V1 = Hex.decode("004f70656e54696d657374616d7073000050726f6f6600bf89e2e884e8929401");

  /** Block 170: the real transaction, its txid branch and header. */
  private static final class Block170 {
    final BitcoinBlockHeader header;
    final byte[] tx;
    final MerkleBranch branch;

    Block170() {
      JsonNode b = null;
      for (JsonNode x : SharedVectors.json("vectors/bitcoin/mainnet-blocks.json").get("blocks")) {
        if (x.get("height").asLong(-1) == 170) {
          b = x;
        }
      }
      byte[] raw = Hex.decode(b.get("raw_block_hex").asText());
      header = BitcoinBlockHeader.parse(raw, 0);
      List<Digest> txids = new ArrayList<>();
      b.get("txids").forEach(t -> txids.add(Digest.fromHex(t.asText()).reversed()));
      // The transactions follow the header and a 1-byte count; find where the coinbase ends.
      int end = -1;
      for (int e = 82; e <= raw.length; e++) {
        if (Sha256.doubleHash(Arrays.copyOfRange(raw, 81, e)).equals(txids.get(0))) {
          end = e;
        }
      }
      tx = Arrays.copyOfRange(raw, end, raw.length);
      assertEquals(txids.get(1), Sha256.doubleHash(tx));
      branch = MerkleBranch.fromTxids(txids, 1);
    }
  }

  @Test
  void anAnchorProofBuiltFromARealTransactionVerifies() {
    Block170 blk = new Block170();
    // The 32 bytes the transaction spends (its prevout txid, at offset 5) stand in for a commitment.
    byte[] commitment = Arrays.copyOfRange(blk.tx, 5, 37);
    // Operations before the transaction: an RFC 9162 leaf hash, SHA-256(0x00 || digest).
    byte[] digest = Sha256.hash("a ledger entry".getBytes()).toByteArray();
    OtsTimestamp.Builder b = OtsTimestamp.builder(digest).prepend(new byte[] {0}).sha256();
    byte[] leaf = b.currentMessage();
    assertArrayEquals(Sha256.hashPrefixed((byte) 0, digest).toByteArray(), leaf);
    // The path into the transaction must start from bytes the transaction holds.
    assertThrows(IllegalArgumentException.class, () -> b.bitcoinTransaction(blk.tx, 5));

    OtsTimestamp proof = OtsTimestamp.builder(commitment)
        .bitcoinTransaction(blk.tx, 5)
        .merkleBranch(blk.branch)
        .attestBitcoin(170);
    OtsCommitment c = proof.commitments().get(0);
    assertArrayEquals(blk.header.merkleRoot().toByteArray(), c.message());
    OtsVerification v = proof.verifyBitcoin(FileHeaderSource.of(Map.of(170L, blk.header)));
    assertTrue(v.holds(), v.reason());
    assertEquals(blk.header.time(), v.earliestBlockTime().getAsLong());
    // Written and read back, it is the same proof; the wrong height does not verify.
    OtsTimestamp back = OtsTimestamp.parse(proof.serialize());
    assertEquals(proof, back);
    OtsVerification noHeader = proof.verifyBitcoin(FileHeaderSource.of(Map.of(171L, genesis())));
    assertFalse(noHeader.holds());
    assertEquals(OtsVerification.Status.NO_HEADER, noHeader.bitcoin().get(0).status());
    OtsVerification wrongHeader = proof.verifyBitcoin(FileHeaderSource.of(Map.of(170L, genesis())));
    assertFalse(wrongHeader.holds());
    // The branch must start from the txid.
    assertThrows(IllegalArgumentException.class,
        () -> OtsTimestamp.builder(commitment).merkleBranch(blk.branch));
    // Attesting Bitcoin needs a 32-byte message.
    assertThrows(IllegalArgumentException.class,
        () -> OtsTimestamp.builder(commitment).append(new byte[] {1}).attestBitcoin(170));
  }

  private static BitcoinBlockHeader genesis() {
    return BitcoinBlockHeader.fromHex(SharedVectors.json("vectors/bitcoin/mainnet-headers.json")
        .get("runs").get(0).get("headers").get(0).asText());
  }

  @Test
  void forksAndAllAttestationKindsRoundTrip() {
    byte[] digest = new byte[20];
    OtsNode leaf1 = OtsNode.of(List.of(
        new OtsNode.Attested(new OtsAttestation.Pending("https://alice.btc.calendar.opentimestamps.org")),
        new OtsNode.Attested(new OtsAttestation.Unknown(Hex.decode("0102030405060708"), new byte[] {1, 2, 3})),
        new OtsNode.Attested(new OtsAttestation.Litecoin(1_000_000)),
        new OtsNode.Attested(new OtsAttestation.Ethereum(5))));
    OtsNode root = OtsNode.of(List.of(
        new OtsNode.Step(OtsOperation.sha256(), leaf1),
        new OtsNode.Step(new OtsOperation.OpHexlify(), OtsNode.chain(
            List.of(new OtsOperation.OpReverse(), OtsOperation.keccak256(), OtsOperation.ripemd160(), OtsOperation.sha1()),
            OtsAttestation.bitcoin(0))),
        new OtsNode.Step(OtsOperation.append(new byte[] {9}), OtsNode.attested(OtsAttestation.bitcoin(300)))));
    OtsTimestamp t = OtsTimestamp.of(OtsOperation.sha1(), digest, root);
    byte[] bytes = t.serialize();
    assertArrayEquals(MAGIC_V1, Arrays.copyOf(bytes, 32));
    assertEquals(0x02, bytes[32]);
    OtsTimestamp back = OtsTimestamp.parse(bytes);
    assertEquals(t, back);
    assertArrayEquals(bytes, back.serialize());
    List<OtsCommitment> cs = back.commitments();
    assertEquals(6, cs.size());
    assertArrayEquals(Sha256.hash(digest).toByteArray(), cs.get(0).message());
    assertEquals(20, cs.get(4).message().length, "sha1 is the last step of the second branch");
    assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}, cs.get(5).message());
    // Keccak-256 is the original Keccak: keccak256("") = c5d2460186f7...
    assertEquals("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
        Hex.encode(OtsOperation.keccak256().apply(new byte[0])));
    assertEquals("9c1185a5c5e9fc54612808977ee8f548b2258d31",
        Hex.encode(OtsOperation.ripemd160().apply(new byte[0])));
  }

  @Test
  void varuintsAreMinimal() {
    long[] values = {0, 1, 127, 128, 1151, 358391};
    String[] hex = {"00", "01", "7f", "8001", "ff08", "f7ef15"};
    for (int i = 0; i < values.length; i++) {
      assertEquals(hex[i], Hex.encode(OtsCodec.varuint(values[i])));
    }
  }

  private static byte[] proof(String hexAfterDigest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(MAGIC_V1);
    out.write(0x08);
    out.writeBytes(new byte[32]);
    out.writeBytes(Hex.decode(hexAfterDigest));
    return out.toByteArray();
  }

  private static String reject(String hexAfterDigest) {
    return assertThrows(MalformedEncodingException.class, () -> OtsTimestamp.parse(proof(hexAfterDigest))).getMessage();
  }

  private static final String BTC_0 = "000588960d73d719010100";

  @Test
  void boundedDecodingRejectsWhatTheReferenceRejects() {
    OtsTimestamp ok = OtsTimestamp.parse(proof(BTC_0));
    assertEquals(0, ((OtsAttestation.Bitcoin) ok.commitments().get(0).attestation()).height());
    assertTrue(reject(BTC_0 + "00").contains("trailing"));
    assertTrue(reject("").contains("truncated"));
    assertTrue(reject("ff" + BTC_0).contains("truncated"));
    assertTrue(reject("ffff" + BTC_0).contains("unknown operation tag 0xff"));
    assertTrue(reject("f4" + BTC_0).contains("unknown operation tag 0xf4"));
    // An argument length over 4096 is refused before anything is allocated.
    assertTrue(reject("f0ffffffff0f").contains("outside 1..4096"));
    assertTrue(reject("f000" + BTC_0).contains("outside 1..4096"), "empty append argument");
    // A payload over 8192 bytes, and one claiming far more than the file holds.
    assertTrue(reject("000102030405060708814000").contains("outside 0..8192"));
    assertTrue(reject("000102030405060708ff3f00").contains("truncated"));
    // A Bitcoin payload with a trailing byte, a height beyond 63 bits.
    assertTrue(reject("000588960d73d71901020000").contains("trailing"));
    assertTrue(reject("000588960d73d719010affffffffffffffffff7f").contains("63 bits"));
    // Pending URIs: only the reference's characters.
    String uri = Hex.encode("https://a b".getBytes());
    assertTrue(reject("0083dfe30d2ef90c8e0c0b" + uri).contains("character"));
    // Messages over 4096 bytes: eight 4096-byte appends would pass the argument check.
    StringBuilder big = new StringBuilder();
    big.append("f0ff1f").append("00".repeat(4095)).append("f002").append("0000").append(BTC_0);
    assertTrue(reject(big.toString()).contains("exceeds 4096"));
    // Reverse and hexlify of an empty message: prepend-free empty messages are impossible from a
    // 32-byte digest, but hexlify of more than 2048 bytes is not.
    StringBuilder hx = new StringBuilder("f0ff0f").append("00".repeat(2047)).append("f3").append(BTC_0);
    assertTrue(reject(hx.toString()).contains("hexlify"));
  }

  @Test
  void attestationsAreLimitedPerProof() {
    // Each 11-byte attestation became a commitment holding a copy of its message (up to 4096
    // bytes) and path (up to 255 operations): 50,000 of them in half a megabyte retained 260 MB.
    String message4096 = "f0e01f" + "00".repeat(4064) + "f2".repeat(253);
    String unknown = "00" + "0102030405060708" + "00";
    int max = OtsTimestamp.MAX_ATTESTATIONS;
    OtsTimestamp full = OtsTimestamp.parse(proof(message4096 + ("ff" + unknown).repeat(max - 1) + unknown));
    assertEquals(max, full.commitments().size());
    assertEquals(4096, full.commitments().get(0).message().length);
    assertTrue(reject(message4096 + ("ff" + unknown).repeat(max) + unknown).contains("more than " + max + " attestations"));
    assertTrue(reject(("ff" + BTC_0).repeat(50_000) + BTC_0).contains("more than " + max + " attestations"));
  }

  @Test
  void depthIsLimitedTo255Operations() {
    String ok = "08".repeat(255) + BTC_0;
    assertEquals(255, OtsTimestamp.parse(proof(ok)).root().depth());
    assertTrue(reject("08".repeat(256) + BTC_0).contains("deeper than 255"));
    List<OtsOperation> ops = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      ops.add(OtsOperation.sha256());
    }
    assertThrows(IllegalArgumentException.class, () -> OtsNode.chain(ops, OtsAttestation.bitcoin(1)));
  }

  @Test
  void everyTruncationAndRandomCorruptionIsACleanError() {
    int seeds = Integer.getInteger("medledger.test.seeds", 200);
    List<byte[]> files = new ArrayList<>();
    for (JsonNode item : OtsVectorsTest.items()) {
      if (!item.get("expected").get("parse").asText().equals("error")) {
        files.add(SharedVectors.bytes(OtsVectorsTest.DIR + item.get("file").asText()));
      }
    }
    for (byte[] f : files) {
      for (int len = 0; len < f.length; len++) {
        byte[] cut = Arrays.copyOf(f, len);
        assertThrows(MalformedEncodingException.class, () -> OtsTimestamp.parse(cut), "prefix " + len);
      }
    }
    Random rnd = new Random(6);
    int parsed = 0;
    for (int s = 0; s < seeds * 10; s++) {
      byte[] f = files.get(rnd.nextInt(files.size())).clone();
      int flips = 1 + rnd.nextInt(3);
      for (int i = 0; i < flips; i++) {
        f[32 + rnd.nextInt(f.length - 32)] ^= (byte) (1 << rnd.nextInt(8));
      }
      try {
        OtsTimestamp t = OtsTimestamp.parse(f);
        t.commitments();
        byte[] out = t.serialize();
        if (!Arrays.equals(f, out)) {
          // Only a non-minimal varuint, which the writer never produces, may change.
          assertEquals(t, OtsTimestamp.parse(out));
        }
        parsed++;
      } catch (MalformedEncodingException e) {
        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
      }
    }
    assertTrue(parsed > 0);
  }

  @Test
  void rfc9162InclusionPathsBecomeOperationsThatReachTheRoot() {
    JsonNode v = SharedVectors.json("vectors/merkle/rfc6962.json");
    int proven = 0;
    int refused = 0;
    List<JsonNode> cases = new ArrayList<>();
    v.get("inclusion_proofs").forEach(cases::add);
    v.get("inclusion_probes").forEach(cases::add);
    for (JsonNode c : cases) {
      boolean valid = c.has("valid") ? c.get("valid").asBoolean() : !c.get("want_error").asBoolean();
      if (!c.hasNonNull("leaf_hash") || !c.hasNonNull("root") || !c.hasNonNull("path")) {
        assertFalse(valid);
        refused++;
        continue;
      }
      List<Digest> path = new ArrayList<>();
      boolean pathOk = true;
      for (JsonNode p : c.get("path")) {
        if (p.isNull() || p.asText().length() != 64) {
          pathOk = false;
        } else {
          path.add(Digest.fromHex(p.asText()));
        }
      }
      byte[] leaf = Hex.decode(c.get("leaf_hash").asText());
      byte[] root = Hex.decode(c.get("root").asText());
      boolean reaches;
      try {
        OtsTimestamp.Builder b = OtsTimestamp.builder(leaf)
            .rfc9162InclusionPath(c.get("leaf_index").asLong(), c.get("tree_size").asLong(), path);
        reaches = pathOk && Arrays.equals(root, b.currentMessage());
        // The operations survive writing and reading.
        OtsTimestamp t = b.attest(new OtsAttestation.Pending("https://calendar.example.org"));
        assertArrayEquals(b.currentMessage(), OtsTimestamp.parse(t.serialize()).commitments().get(0).message());
      } catch (IllegalArgumentException e) {
        reaches = false;
      }
      assertEquals(valid, reaches, c.toString());
      if (valid) {
        proven++;
      } else {
        refused++;
      }
    }
    assertTrue(proven >= 6 && refused > 40, proven + " proven, " + refused + " refused");
    // The leaf step: SHA-256(0x00 || data) of a 32-byte digest.
    byte[] d = Sha256.hash("x".getBytes()).toByteArray();
    assertArrayEquals(Sha256.hashPrefixed((byte) 0, d).toByteArray(), OtsTimestamp.builder(d).rfc9162Leaf().currentMessage());
  }

  @Test
  void readingAProofFromANamedPipeFailsAtOnceInsteadOfWaiting(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path fifo = dir.resolve("proof.ots");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(10), () -> assertThrows(java.io.UncheckedIOException.class, () -> OtsTimestamp.read(fifo)));
    assertTrue(e.getCause().getMessage().contains("not a regular file"), e.getCause().getMessage());
  }
}
