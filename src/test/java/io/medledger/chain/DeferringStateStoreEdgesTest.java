package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.medledger.crypto.Sha256;
import io.medledger.storage.InMemoryStateStore;
import io.medledger.storage.StateStore;
import io.medledger.testing.DelegatingStateStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deferring view's per-first-byte sorted views at their edges: empty scan bounds, first bytes
 * of 0x80 and above (negative as Java bytes), and views dropped when what they held is flushed.
 */
class DeferringStateStoreEdgesTest {
  private static byte[] k(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  private static List<String> scan(StateStore s, byte[] from, byte[] to) {
    List<String> out = new ArrayList<>();
    s.scan(from, to, (key, v) -> out.add(Arrays.toString(key) + "=" + new String(v, java.nio.charset.StandardCharsets.US_ASCII)));
    return out;
  }

  private static void commit(StateStore s, long height, Object... kv) {
    StateStore.Batch b = new StateStore.Batch(height, Sha256.hash(new byte[] {(byte) height}));
    for (int i = 0; i < kv.length; i += 2) {
      b.put((byte[]) kv[i], ((String) kv[i + 1]).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    s.commit(b);
  }

  @Test
  void emptyBoundsAndHighFirstBytesSeeTheHeldPuts() {
    DeferringStateStore s = new DeferringStateStore(new DelegatingStateStore(new InMemoryStateStore()));
    s.defer(true);
    commit(s, 0, k(0x01, 1), "a", k(0x90, 1), "b", k(0x90, 5), "c", k(0xb0, 0), "d");
    assertEquals(List.of("[1, 1]=a", "[-112, 1]=b", "[-112, 5]=c"), scan(s, new byte[0], k(0xa0)),
        "from the first key, up to a first byte above 0x7f");
    assertEquals(List.of("[-112, 5]=c"), scan(s, k(0x90, 2), k(0x90, 6)));
    assertEquals(List.of(), scan(s, k(0x01), new byte[0]), "nothing is below the empty key");
    assertEquals(List.of(), scan(s, k(0x90, 5), k(0x90, 1)), "an inverted range within one first byte");
  }

  @Test
  void aFlushedViewDoesNotHideLaterWritesToTheStore() {
    DeferringStateStore s = new DeferringStateStore(new DelegatingStateStore(new InMemoryStateStore()));
    s.defer(true);
    commit(s, 0, k(2, 1), "v0", k(2, 2), "w0");
    assertEquals(List.of("[2, 1]=v0", "[2, 2]=w0"), scan(s, k(2), k(3)), "a scan builds the view of first byte 2");
    s.flush();
    s.defer(false);
    commit(s, 1, k(2, 1), "v1"); // straight to the store
    s.defer(true);
    commit(s, 2, k(2, 3), "x2"); // held again, in a view of first byte 2
    assertEquals(List.of("[2, 1]=v1", "[2, 2]=w0", "[2, 3]=x2"), scan(s, k(2), k(3)));
    assertEquals("v1", new String(s.get(k(2, 1)), java.nio.charset.StandardCharsets.US_ASCII));
  }
}
