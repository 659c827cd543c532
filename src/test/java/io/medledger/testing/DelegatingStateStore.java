package io.medledger.testing;

import io.medledger.crypto.Digest;
import io.medledger.storage.StateStore;
import java.util.Optional;

/** A {@link StateStore} that passes every call to another; tests override what they observe or break. */
public class DelegatingStateStore implements StateStore {
  protected final StateStore inner;

  public DelegatingStateStore(StateStore inner) {
    this.inner = inner;
  }

  /** A store over {@code inner} that counts in {@code visited} every entry its scans visit. */
  public static StateStore countingScans(StateStore inner, java.util.concurrent.atomic.AtomicInteger visited) {
    return new DelegatingStateStore(inner) {
      @Override
      public void scan(byte[] from, byte[] to, Visitor visitor) {
        inner.scan(from, to, (k, v) -> {
          visited.incrementAndGet();
          return visitor.visit(k, v);
        });
      }
    };
  }

  @Override
  public long height() {
    return inner.height();
  }

  @Override
  public Optional<Digest> tip() {
    return inner.tip();
  }

  @Override
  public byte[] get(byte[] key) {
    return inner.get(key);
  }

  @Override
  public void scan(byte[] from, byte[] to, Visitor visitor) {
    inner.scan(from, to, visitor);
  }

  @Override
  public void commit(Batch batch) {
    inner.commit(batch);
  }

  @Override
  public void close() {
    inner.close();
  }
}
