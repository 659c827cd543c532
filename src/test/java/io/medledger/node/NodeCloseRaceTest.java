package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.Entry;
import io.medledger.crypto.Digest;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
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

  /** The node's map of pending submissions, whose first lookup of a submission waits for the test. */
  @SuppressWarnings("serial")
  private static final class Gate<K, V> extends ConcurrentHashMap<K, V> {
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch go = new CountDownLatch(1);

    @Override
    public V get(Object key) {
      if (reached.getCount() > 0) {
        reached.countDown();
        try {
          go.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return super.get(key);
    }
  }

  @Test
  @Timeout(90)
  void aSubmissionRacingCloseFailsAsClosed() throws Exception {
    Testnet.Layout t = Testnet.create(dir.resolve("net"), NodeRuntimeTest.options(1, 1, 0), new SecureRandom());
    Node n = NodeRuntimeTest.open(t.nodeDirectories().get(0), new LocalNetwork());
    Gate<Digest, Object> gate = new Gate<>();
    try {
      Field f = Node.class.getDeclaredField("pending");
      f.setAccessible(true);
      f.set(n, gate);
      Entry e = NodeRuntimeTest.patient(n.ledger().parameters().chainId());
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
