package io.medledger.node;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A concurrent map to put in place of a class's own by reflection, to force an interleaving: its
 * first {@link #get} counts {@link #reached} down and then waits (at most 20 s) for {@link #go}.
 */
@SuppressWarnings("serial")
final class GatedMap<K, V> extends ConcurrentHashMap<K, V> {
  final transient CountDownLatch reached = new CountDownLatch(1);
  final transient CountDownLatch go = new CountDownLatch(1);

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

  /** Puts this map in place of field {@code name} of {@code target}. */
  void installIn(Object target, String name) throws ReflectiveOperationException {
    java.lang.reflect.Field f = target.getClass().getDeclaredField(name);
    f.setAccessible(true);
    f.set(target, this);
  }
}
