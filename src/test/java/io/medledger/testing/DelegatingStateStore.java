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
