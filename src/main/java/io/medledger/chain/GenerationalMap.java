package io.medledger.chain;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * A bounded map of recently used values: two generations of at most {@code generation} entries
 * each. A put goes to the young generation; when it is full it becomes the old one and the old
 * one is dropped; a hit in the old one copies the entry to the young one. A get looks in the
 * young generation first, and every put lands in the young one, so a get returns the value last
 * put for its key (or nothing), never an older one. Thread-safe; racing puts of different values
 * for one key leave either (the callers here put only values equal to what their store holds).
 */
final class GenerationalMap<K, V> {
  private final int generation;
  private volatile ConcurrentHashMap<K, V> young;
  private volatile ConcurrentHashMap<K, V> old = new ConcurrentHashMap<>();

  /** A map of at most {@code 2 * generation} entries. */
  GenerationalMap(int generation) {
    if (generation < 1) {
      throw new IllegalArgumentException("a generation holds at least one entry");
    }
    this.generation = generation;
    this.young = newGeneration();
  }

  /** An empty generation sized to fill without resizing (up to 32,768 entries). */
  private ConcurrentHashMap<K, V> newGeneration() {
    return new ConcurrentHashMap<>(Math.min(generation, 1 << 15) * 4 / 3 + 1);
  }

  /**
   * The value of {@code key}, or null when it is not held. A hit in the old generation is copied
   * to the young one (and left where it is, to be dropped with its generation: cheaper than a
   * removal, and the young copy is the one every later get finds first).
   */
  V get(K key) {
    V v = young.get(key);
    if (v == null) {
      v = old.get(key);
      if (v != null) {
        put(key, v);
      }
    }
    return v;
  }

  /** Holds {@code value} for {@code key}. */
  void put(K key, V value) {
    Objects.requireNonNull(value, "value");
    ConcurrentHashMap<K, V> y = young;
    if (y.size() >= generation) {
      synchronized (this) {
        if (young == y) {
          old = y;
          young = y = newGeneration();
        } else {
          y = young;
        }
      }
    }
    y.put(key, value);
  }

  /** Holds every entry of {@code m}. */
  void putAll(Map<? extends K, ? extends V> m) {
    m.forEach(this::put);
  }

  /**
   * Replaces the value of each key of {@code m} that this map holds, and adds none: for values
   * just written to the store, which a later get reads from there if it needs them. Caching every
   * written value would keep it for two generations whether or not anything reads it.
   */
  void refreshAll(Map<? extends K, ? extends V> m) {
    m.forEach((k, v) -> {
      if (young.containsKey(k) || old.containsKey(k)) {
        put(k, v);
      }
    });
  }

  /** Drops the entry of {@code key}, if held. */
  void remove(K key) {
    young.remove(key);
    old.remove(key);
  }

  /** Drops every entry. */
  synchronized void clear() {
    young = newGeneration();
    old = new ConcurrentHashMap<>();
  }

  /** Entries held, in both generations (an entry copied from the old one counts twice). */
  int size() {
    return young.size() + old.size();
  }

  /** Calls {@code action} with every entry held, the old generation first. */
  void forEach(BiConsumer<? super K, ? super V> action) {
    old.forEach(action);
    young.forEach(action);
  }
}
