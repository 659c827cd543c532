package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ChainFixture;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.testing.HeapInUse;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AuditorClient#verifyChain} holds a heap that does not grow with the chain: it replays into
 * an owner-only scratch directory deleted afterwards, checks each block before it asks for the next
 * (so a node claiming a height far above the chain gets at most one block past it fetched), and
 * still reports an invalid block as a result with its height.
 */
class VerifyChainMemoryTest {
  /** Records per block, each with this many bytes of encryption metadata: about 1 MiB a block. */
  private static final int RECORDS_PER_BLOCK = 16;
  private static final int METADATA_BYTES = 60 << 10;
  /** Blocks of records: about 64 MiB of chain, which the old in-memory replay held whole. */
  private static final int RECORD_BLOCKS = 64;
  /** What the heap may grow by over the replay: the verifier's caches, never the chain. */
  private static final long HEAP_BOUND = 32L << 20;

  @TempDir
  Path scratch;

  /**
   * A chain of 66 blocks, 64 of them of about 1 MiB: the heap in use after a full collection,
   * sampled as the verifier asks for blocks, grows by less than {@link #HEAP_BOUND} from block 2 to
   * the tip (11 MiB measured); the in-memory replay grew it by 66 MiB, and the scratch ledger
   * without its periodic flush (decoded blocks kept until the end) by 116 MiB.
   */
  @Test
  void aLongChainIsVerifiedWithinABoundedHeap() {
    ChainFixture f = chainOfLargeRecords();
    long tip = f.ledger.height();
    assertEquals(RECORD_BLOCKS + 1, tip);
    long[] baseline = {-1};
    long[] growth = {Long.MIN_VALUE};
    LedgerConnection c = serving(f, tip, f.ledger::block, h -> {
      if (h == 2) {
        baseline[0] = HeapInUse.afterGc();
      } else if (h > 2 && (h % 16 == 0 || h == tip)) {
        growth[0] = Math.max(growth[0], HeapInUse.afterGc() - baseline[0]);
      }
    });
    ChainReport r = auditor(c).verifyChain(scratch);
    assertTrue(r.valid(), r.toString());
    assertEquals(tip + 1, r.blocks());
    assertEquals(Optional.of(f.ledger.header(tip).hash()), r.tipHash());
    assertTrue(growth[0] < HEAP_BOUND, "the heap grew by " + (growth[0] >> 20) + " MiB over a chain of "
        + (chainBytes(f) >> 20) + " MiB (bound " + (HEAP_BOUND >> 20) + " MiB)");
  }

  /**
   * A node claims a height 10,000 above the chain and serves the tip again for every height above
   * it: the verifier asks for one block past the tip, refuses it with its height and asks for no
   * more (the in-memory replay fetched every claimed height before checking any).
   */
  @Test
  void aClaimedHeightAboveTheChainCostsOneBlockPastTheTip() {
    ChainFixture f = ChainFixture.create();
    for (int i = 0; i < 3; i++) {
      f.commit(f.registerPatient(f.actor("patient-" + i)));
    }
    long tip = f.ledger.height();
    AtomicLong fetched = new AtomicLong();
    LedgerConnection c = serving(f, tip + 10_000, h -> f.ledger.block(Math.min(h, tip)), h -> fetched.incrementAndGet());
    ChainReport r = auditor(c).verifyChain(scratch);
    assertFalse(r.valid());
    assertEquals(tip + 1, r.blocks(), "the failure is at the first height past the tip");
    assertTrue(r.problem().orElseThrow().contains("height " + (tip + 1)), r.problem().orElseThrow());
    assertEquals(Optional.empty(), r.tipHash());
    assertEquals(tip + 2, fetched.get(), "blocks 0 to the tip, and one past it");
  }

  /**
   * The replay's directory is owner-only while it runs and is deleted afterwards, when the chain
   * verifies and when the connection fails part way.
   */
  @Test
  void theScratchDirectoryIsOwnerOnlyAndDeletedAfterwards() throws IOException {
    ChainFixture f = ChainFixture.create();
    f.commit(f.registerPatient(f.actor("patient")));
    f.commit(f.registerPatient(f.actor("other")));
    long tip = f.ledger.height();
    List<Path> seen = new ArrayList<>();
    LedgerConnection c = serving(f, tip, f.ledger::block, h -> {
      if (h == tip) {
        try (Stream<Path> s = Files.list(scratch)) {
          seen.addAll(s.toList());
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    });
    assertTrue(auditor(c).verifyChain(scratch).valid());
    assertEquals(1, seen.size(), seen.toString());
    assertTrue(seen.get(0).getFileName().toString().startsWith("medledger-verify-"));
    assertFalse(Files.exists(seen.get(0)), "deleted after the replay");
    try (Stream<Path> s = Files.list(scratch)) {
      assertEquals(0, s.count());
    }
    List<String> modes = new ArrayList<>();
    LedgerConnection failing = serving(f, tip, h -> {
      if (h == tip) {
        throw new MalformedEncodingException("a node's answer that does not decode");
      }
      return f.ledger.block(h);
    }, h -> {
      try (Stream<Path> s = Files.list(scratch)) {
        for (Path p : s.toList()) {
          modes.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        }
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    });
    assertThrows(MalformedEncodingException.class, () -> auditor(failing).verifyChain(scratch));
    assertFalse(modes.isEmpty());
    assertTrue(modes.stream().allMatch("rwx------"::equals), modes.toString());
    try (Stream<Path> s = Files.list(scratch)) {
      assertEquals(0, s.count(), "deleted after a failure too");
    }
  }

  /** Genesis, a patient's registration, then {@link #RECORD_BLOCKS} blocks of the patient's large records. */
  private static ChainFixture chainOfLargeRecords() {
    ChainFixture f = ChainFixture.create();
    ChainFixture.Actor patient = f.actor("patient");
    f.commit(f.registerPatient(patient));
    SplittableRandom random = new SplittableRandom(7);
    for (int b = 0; b < RECORD_BLOCKS; b++) {
      f.commit(f.largeRecords(patient, random, b, RECORDS_PER_BLOCK, METADATA_BYTES));
    }
    return f;
  }

  static AuditorClient auditor(LedgerConnection c) {
    return AuditorClient.open(c, Identity.generate(ParticipantKind.AUDIT_SERVER, "auditor", SmallFederation.seeded(6)));
  }

  private static long chainBytes(ChainFixture f) {
    long n = 0;
    for (long h = 0; h <= f.ledger.height(); h++) {
      n += f.ledger.encodedBlock(h).length;
    }
    return n;
  }

  /**
   * A connection to {@code f}'s chain that reports {@code height}, serves {@code blocks} and calls
   * {@code onFetch} with each height asked for, before serving it; no node is listed.
   */
  static LedgerConnection serving(ChainFixture f, long height, LongFunction<CertifiedBlock> blocks,
      LongConsumer onFetch) {
    return (LedgerConnection) Proxy.newProxyInstance(LedgerConnection.class.getClassLoader(),
        new Class<?>[] {LedgerConnection.class}, (proxy, method, args) -> switch (method.getName()) {
          case "parameters" -> f.params;
          case "certificatePolicy" -> io.medledger.chain.CertificatePolicy.auditQuorum();
          case "clock" -> f.clock;
          case "height" -> height;
          case "header" -> f.ledger.header((Long) args[0]);
          case "serverTips" -> List.of();
          case "block" -> {
            long h = (Long) args[0];
            onFetch.accept(h);
            yield blocks.apply(h);
          }
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
