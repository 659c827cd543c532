package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.medledger.chain.AccessGrant;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.ValidationResult;
import io.medledger.chain.VerifiedBlock;
import io.medledger.client.ClinicianClient;
import io.medledger.client.GrantRequest;
import io.medledger.client.Identity;
import io.medledger.client.PatientClient;
import io.medledger.crypto.Digest;
import io.medledger.pre.ReEncryptionProxy;
import io.medledger.pre.VerifiedKeyFrag;
import io.medledger.storage.InMemoryBlockStore;
import io.medledger.testing.Gate;
import java.lang.reflect.Field;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Commits to one federation server from two threads (its consensus path and {@link
 * FederationServer#catchUp}): the proxy takes the blocks' effects in height order, and a block the
 * other path made final meanwhile is no failure.
 */
class FederationServerCommitRaceTest {
  private static final long DEADLINE_SECONDS = 60;

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  /** A map whose first put stops at {@link #gate}. */
  static final class StallingMap extends ConcurrentHashMap<String, VerifiedKeyFrag> {
    private static final long serialVersionUID = 1L;
    final transient Gate gate = new Gate();

    @Override
    public VerifiedKeyFrag put(String key, VerifiedKeyFrag value) {
      gate.pass();
      return super.put(key, value);
    }
  }

  /** A map of pending blocks whose first remove stops at {@link #gate}. */
  static final class StallingPending extends ConcurrentHashMap<Digest, VerifiedBlock> {
    private static final long serialVersionUID = 1L;
    final transient Gate gate = new Gate();

    @Override
    public VerifiedBlock remove(Object key) {
      gate.pass();
      return super.remove(key);
    }
  }

  static void poll(BooleanSupplier done, String what) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        fail(what);
      }
      Thread.onSpinWait();
    }
  }

  /** A fresh server with the keys of {@code like}, holding blocks 0..{@code upTo} of it. */
  private static FederationServer copyOf(Federation f, FederationServer like, long upTo)
      throws ReflectiveOperationException {
    Field id = FederationServer.class.getDeclaredField("server");
    id.setAccessible(true);
    FederationServer s = FederationServer.builder(f.parameters(), (Identity) id.get(like)).role(NodeRole.FEDERATION)
        .blockStore(new InMemoryBlockStore()).clock(f.clock()).directory(f.directory()).certificatePolicy(f.certificatePolicy()).build();
    for (long h = 0; h <= upTo; h++) {
      assertTrue(s.commit(like.ledger().block(h)).isAccepted());
    }
    return s;
  }

  @Test
  void aRevocationCommittedWhileItsGrantsBlockIsBeingTakenStillWipesTheFragment() throws Exception {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient drLee = f.registerClinician("Dr Lee", "Hospital A2");
      AccessGrant g = anna.grant(GrantRequest.treatment(drLee.id()));
      AccessRevocation rv = anna.revoke(g.id());
      FederationServer source = f.federationNodes().get(0);
      long grantAt = source.ledger().locate(g.id()).orElseThrow().height();
      long revokedAt = source.ledger().locate(rv.id()).orElseThrow().height();
      try (FederationServer s = copyOf(f, source, grantAt - 1)) {
        StallingMap grants = new StallingMap();
        Field p = FederationServer.class.getDeclaredField("proxy");
        p.setAccessible(true);
        Field m = ReEncryptionProxy.class.getDeclaredField("grants");
        m.setAccessible(true);
        m.set(p.get(s), grants);
        CompletableFuture<ValidationResult<CertifiedBlock>> grantBlock =
            CompletableFuture.supplyAsync(() -> s.commit(source.ledger().block(grantAt)), threads);
        grants.gate.awaitReached(); // the grant's block is appended; the proxy is taking its fragment
        CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> {
          for (long h = grantAt + 1; h <= revokedAt; h++) {
            assertTrue(s.commit(source.ledger().block(h)).isAccepted());
          }
        }, threads);
        poll(() -> rest.isDone() || s.commitWaiters(), "the revocation neither committed nor waited");
        grants.gate.open();
        assertTrue(grantBlock.get(DEADLINE_SECONDS, TimeUnit.SECONDS).isAccepted());
        rest.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertEquals(revokedAt, s.ledger().height());
        assertFalse(s.holdsFragment(g.id()), "the proxy kept the fragment of a revoked grant");
      }
    }
  }

  @Test
  void aCatchUpRacingTheConsensusPathsCommitOfTheSameBlockTakesItAsFinal() throws Exception {
    try (Federation f = TestFederation.create()) {
      f.registerPatient("Anna");
      f.registerPatient("Ben");
      FederationServer source = f.federationNodes().get(0);
      long tip = source.ledger().height();
      try (FederationServer s = copyOf(f, source, tip - 2)) {
        StallingPending pending = new StallingPending();
        Field p = FederationServer.class.getDeclaredField("pendingBlocks");
        p.setAccessible(true);
        p.set(s, pending);
        // the catch-up has read this server's height and fetched block tip - 1
        CompletableFuture<Integer> catchUp = CompletableFuture.supplyAsync(() -> s.catchUp(source), threads);
        pending.gate.awaitReached();
        // the consensus path commits the same block
        CompletableFuture<ValidationResult<CertifiedBlock>> consensus =
            CompletableFuture.supplyAsync(() -> s.commit(source.ledger().block(tip - 1)), threads);
        poll(() -> consensus.isDone() || s.commitWaiters(), "the consensus commit neither ended nor waited");
        pending.gate.open();
        assertTrue(consensus.get(DEADLINE_SECONDS, TimeUnit.SECONDS).isAccepted());
        assertEquals(2, catchUp.get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertEquals(source.ledger().tip(), s.ledger().tip());
        // committed again, a block already final is accepted with no effect
        assertTrue(s.commit(source.ledger().block(tip)).isAccepted());
        assertEquals(tip, s.ledger().height());
      }
    }
  }
}
