package io.medledger.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.ChainFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AuditorClient#verifyChainResuming} keeps its replay in the directory it is given: the next
 * call fetches only the blocks past the ones verified there, and refuses a connection whose chain
 * is not the one those blocks came from.
 */
class VerifyChainResumeTest {
  @TempDir
  Path parent;

  @Test
  void aSecondVerificationFetchesOnlyTheNewBlocks() throws IOException {
    ChainFixture f = ChainFixture.create();
    f.commit(f.registerPatient(f.actor("patient-0")));
    f.commit(f.registerPatient(f.actor("patient-1")));
    Path dir = parent.resolve("verified");
    List<Long> fetched = new ArrayList<>();
    ChainReport first = VerifyChainMemoryTest.auditor(VerifyChainMemoryTest.serving(f, f.ledger.height(),
        f.ledger::block, fetched::add)).verifyChainResuming(dir);
    assertTrue(first.valid(), first.toString());
    assertEquals(List.of(0L, 1L, 2L), fetched);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    f.commit(f.registerPatient(f.actor("patient-2")));
    f.commit(f.registerPatient(f.actor("patient-3")));
    fetched.clear();
    ChainReport second = VerifyChainMemoryTest.auditor(VerifyChainMemoryTest.serving(f, f.ledger.height(),
        f.ledger::block, fetched::add)).verifyChainResuming(dir);
    assertTrue(second.valid(), second.toString());
    assertEquals(List.of(3L, 4L), fetched, "only the blocks past the ones verified before");
    assertEquals(5, second.blocks());
    assertEquals(Optional.of(f.ledger.header(4).hash()), second.tipHash());
  }

  /**
   * Two chains from the same genesis block (same keys, names and times) that differ from block 1:
   * resuming with the other's connection is refused at the kept tip, without fetching a block.
   */
  @Test
  void aConnectionServingAnotherChainThanTheOneVerifiedIsRefused() {
    ChainFixture mine = ChainFixture.create();
    ChainFixture fork = ChainFixture.create();
    assertEquals(mine.ledger.header(0), fork.ledger.header(0));
    mine.commit(mine.registerPatient(mine.actor("patient-a")));
    fork.commit(fork.registerPatient(fork.actor("patient-b")));
    fork.commit(fork.registerPatient(fork.actor("patient-c")));
    Path dir = parent.resolve("verified");
    assertTrue(VerifyChainMemoryTest.auditor(VerifyChainMemoryTest.serving(mine, mine.ledger.height(),
        mine.ledger::block, h -> { })).verifyChainResuming(dir).valid());
    List<Long> fetched = new ArrayList<>();
    ChainReport r = VerifyChainMemoryTest.auditor(VerifyChainMemoryTest.serving(fork, fork.ledger.height(),
        fork.ledger::block, fetched::add)).verifyChainResuming(dir);
    assertFalse(r.valid());
    assertEquals(1, r.blocks());
    assertTrue(r.problem().orElseThrow().contains("is not the one verified in"), r.problem().orElseThrow());
    assertEquals(List.of(), fetched);
  }

  /** A directory given open to others is made owner-only before the chain is written into it. */
  @Test
  void aDirectoryOthersMayReadIsMadeOwnerOnly() throws IOException {
    ChainFixture f = ChainFixture.create();
    Path dir = Files.createDirectory(parent.resolve("open"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    String[] during = new String[1];
    LedgerConnection c = VerifyChainMemoryTest.serving(f, f.ledger.height(), f.ledger::block, h -> {
      try {
        during[0] = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    });
    assertTrue(VerifyChainMemoryTest.auditor(c).verifyChainResuming(dir).valid());
    assertEquals("rwx------", during[0]);
  }
}
