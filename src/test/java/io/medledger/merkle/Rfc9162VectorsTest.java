package io.medledger.merkle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.medledger.codec.Hex;
import io.medledger.crypto.Digest;
import io.medledger.testing.SharedVectors;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every vector in src/test/resources/vectors/merkle (transparency-dev tables and probes, generated 1000-leaf set). */
class Rfc9162VectorsTest {
  private static final JsonNode RFC = SharedVectors.json("vectors/merkle/rfc6962.json");
  private static final JsonNode GEN = SharedVectors.json("vectors/merkle/generated-1000.json");

  private static Digest d(JsonNode n) {
    return Digest.fromHex(n.asText());
  }

  private static List<Digest> path(JsonNode arr) {
    List<Digest> out = new ArrayList<>();
    arr.forEach(n -> out.add(d(n)));
    return out;
  }

  private static List<byte[]> rawPath(JsonNode arr) {
    List<byte[]> out = new ArrayList<>();
    if (arr != null && !arr.isNull()) {
      arr.forEach(n -> out.add(Hex.decode(n.asText())));
    }
    return out;
  }

  private static byte[] raw(JsonNode n) {
    return n == null || n.isNull() ? new byte[0] : Hex.decode(n.asText());
  }

  /** Sizes and indexes as unsigned 64-bit values (2^64 - 1 becomes -1, which no tree has). */
  private static long u64(JsonNode n) {
    return new BigInteger(n.asText()).longValue();
  }

  private static MerkleLog log(JsonNode leaves) {
    MerkleLog log = new MerkleLog();
    leaves.forEach(n -> log.append(Hex.decode(n.asText())));
    return log;
  }

  @Test
  void hasherVectors() {
    int checked = 0;
    for (JsonNode v : RFC.get("hasher_vectors")) {
      Digest want = d(v.get("want"));
      switch (v.get("kind").asText()) {
        case "empty_root" -> assertEquals(want, Rfc9162.emptyRoot());
        case "leaf" -> assertEquals(want, Rfc9162.leafHash(Hex.decode(v.get("input_hex").asText())));
        case "node" -> assertEquals(want,
            Rfc9162.nodeHash(Hex.decode(v.get("left_hex").asText()), Hex.decode(v.get("right_hex").asText())));
        default -> throw new AssertionError("unknown kind " + v.get("kind"));
      }
      checked++;
    }
    assertEquals(4, checked);
  }

  @Test
  void transparencyDevTables() {
    JsonNode leaves = RFC.get("leaves");
    MerkleLog log = log(leaves);
    for (int i = 0; i < leaves.size(); i++) {
      assertEquals(d(RFC.get("leaf_hashes").get(i)), log.leafHash(i));
    }
    RFC.get("roots_by_size").fields().forEachRemaining(e -> {
      int n = Integer.parseInt(e.getKey());
      Digest want = d(e.getValue());
      assertEquals(want, log.root(n), "root of size " + n);
      List<byte[]> prefix = new ArrayList<>();
      leaves.forEach(l -> prefix.add(Hex.decode(l.asText())));
      assertEquals(want, BatchRoot.sequential(prefix.subList(0, n)));
      assertEquals(want, Rfc9162.rootOfLeaves(prefix.subList(0, n)));
    });
    JsonNode levels = RFC.get("node_hashes_by_level");
    for (int level = 0; level < levels.size(); level++) {
      for (int i = 0; i < levels.get(level).size(); i++) {
        List<byte[]> sub = new ArrayList<>();
        for (int j = i << level; j < (i + 1) << level; j++) {
          sub.add(Hex.decode(leaves.get(j).asText()));
        }
        assertEquals(d(levels.get(level).get(i)), Rfc9162.rootOfLeaves(sub), "level " + level + " node " + i);
      }
    }
    for (JsonNode p : RFC.get("inclusion_proofs")) {
      boolean valid = p.get("valid").asBoolean();
      long size = p.get("tree_size").asLong();
      if (!valid) {
        // The source's {0, 0, nil} entry: no inclusion proof exists in the empty tree.
        assertEquals(0, size);
        assertFalse(MerkleVerifier.verifyInclusion(0, 0, List.of(), log.leafHash(0), Rfc9162.emptyRoot()));
        continue;
      }
      long index = p.get("leaf_index").asLong();
      InclusionProof proof = log.inclusionProof(index, size);
      assertEquals(path(p.get("path")), proof.path(), "path of " + index + " in " + size);
      assertTrue(proof.verify(d(p.get("leaf_hash")), d(p.get("root"))));
    }
    for (JsonNode p : RFC.get("consistency_proofs")) {
      assertTrue(p.get("valid").asBoolean());
      ConsistencyProof proof = log.consistencyProof(p.get("size1").asLong(), p.get("size2").asLong());
      assertEquals(path(p.get("path")), proof.path());
      assertTrue(proof.verify(d(p.get("root1")), d(p.get("root2"))));
    }
  }

  @Test
  void inclusionProbes() {
    int n = 0;
    for (JsonNode p : RFC.get("inclusion_probes")) {
      boolean ok = MerkleVerifier.verifyInclusionRaw(u64(p.get("leaf_index")), u64(p.get("tree_size")),
          rawPath(p.get("path")), raw(p.get("leaf_hash")), raw(p.get("root")));
      assertEquals(!p.get("want_error").asBoolean(), ok, p.get("source_file").asText());
      n++;
    }
    assertEquals(86, n);
  }

  @Test
  void consistencyProbes() {
    int n = 0;
    for (JsonNode p : RFC.get("consistency_probes")) {
      boolean ok = MerkleVerifier.verifyConsistencyRaw(u64(p.get("size1")), u64(p.get("size2")),
          rawPath(p.get("path")), raw(p.get("root1")), raw(p.get("root2")));
      assertEquals(!p.get("want_error").asBoolean(), ok, p.get("source_file").asText());
      n++;
    }
    assertEquals(98, n);
  }

  @Test
  void generatedThousandLeafSet() {
    JsonNode inputs = GEN.get("leaf_inputs");
    assertEquals(1000, inputs.size());
    MerkleLog log = log(inputs);
    CompactRange compact = new CompactRange();
    List<byte[]> data = new ArrayList<>();
    inputs.forEach(x -> data.add(Hex.decode(x.asText())));
    int[] roots = {0};
    JsonNode byN = GEN.get("roots_by_size");
    for (int n = 0; n <= 1000; n++) {
      JsonNode want = byN.get(Integer.toString(n));
      if (want != null) {
        assertEquals(d(want), log.root(n), "log root " + n);
        assertEquals(d(want), compact.root(), "compact root " + n);
        roots[0]++;
      }
      if (n < 1000) {
        compact.append(data.get(n));
      }
    }
    assertEquals(668, roots[0]);
    assertEquals(byN.size(), roots[0]);
    assertEquals(d(byN.get("1000")), BatchRoot.parallel(data));
    assertEquals(d(byN.get("1000")), BatchRoot.sequential(data));
    int inc = 0;
    for (JsonNode p : GEN.get("inclusion_proofs")) {
      long index = p.get("leaf_index").asLong();
      long size = p.get("tree_size").asLong();
      assertEquals(d(p.get("leaf_hash")), log.leafHash(index));
      InclusionProof proof = log.inclusionProof(index, size);
      assertEquals(path(p.get("path")), proof.path(), "inclusion " + index + "/" + size);
      assertTrue(MerkleVerifier.verifyInclusion(index, size, path(p.get("path")), d(p.get("leaf_hash")), d(p.get("root"))));
      inc++;
    }
    assertEquals(114, inc);
    int con = 0;
    for (JsonNode p : GEN.get("consistency_proofs")) {
      long s1 = p.get("size1").asLong();
      long s2 = p.get("size2").asLong();
      ConsistencyProof proof = log.consistencyProof(s1, s2);
      assertEquals(path(p.get("path")), proof.path(), "consistency " + s1 + "/" + s2);
      assertTrue(MerkleVerifier.verifyConsistency(s1, s2, path(p.get("path")), d(p.get("root1")), d(p.get("root2"))));
      assertEquals(d(p.get("root1")), log.root(s1));
      assertEquals(d(p.get("root2")), log.root(s2));
      con++;
    }
    assertEquals(24, con);
  }
}
