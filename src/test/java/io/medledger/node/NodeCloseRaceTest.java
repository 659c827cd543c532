package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.Entry;
import io.medledger.crypto.Digest;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A submission that passed the node's "closed?" check just before {@link Node#close()} ran, and
 * registered itself after close had failed every pending submission, was never failed: its future
 * stayed open for good (a remote client's request with it), or the submission threw the closed
 * ledger's store error. It now fails with cause CLOSED.
 */
class NodeCloseRaceTest {
  @TempDir
  Path dir;

  @Test
  @Timeout(90)
  void aSubmissionRacingCloseFailsAsClosed() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 0), new SecureRandom());
    Node n = NodeRuntimeTest.open(t.nodeDirectories().get(0), new LocalNetwork());
    GatedMap<Digest, Object> gate = new GatedMap<>();
    try {
      gate.installIn(n, "pending");
      Entry e = NodeRuntimeTest.patient(n.ledger().parameters().chainId(), NodeRuntimeTest.registrar(t));
      AtomicReference<Object> outcome = new AtomicReference<>();
      Thread submitter = new Thread(() -> {
        try {
          outcome.set(n.submit(e));
        } catch (RuntimeException x) {
          outcome.set(x);
        }
      }, "racing-submitter");
      submitter.start();
      assertTrue(gate.reached.await(20, TimeUnit.SECONDS), "the submission passed the check of closed");
      n.close(); // runs whole between the check and the registration
      gate.go.countDown();
      submitter.join(20_000);
      Object o = outcome.get();
      if (o instanceof RuntimeException x) {
        throw new AssertionError("the racing submission threw instead of failing its future", x);
      }
      CompletableFuture<?> future = (CompletableFuture<?>) o;
      ExecutionException x = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS),
          "the racing submission's future completes");
      SubmissionRefusedException r = assertInstanceOf(SubmissionRefusedException.class, x.getCause());
      assertEquals(SubmissionRefusedException.Cause.CLOSED, r.refusal());
      assertTrue(gate.isEmpty(), "nothing stays registered after close");
    } finally {
      gate.go.countDown();
      n.close();
    }
  }
}
