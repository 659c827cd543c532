package io.medledger.anchor.bitcoin;

import io.medledger.codec.Hex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An input's witness stack (BIP 141): a list of byte strings. Immutable and thread-safe.
 */
public final class WitnessStack {
  /** The empty witness. */
  public static final WitnessStack EMPTY = new WitnessStack(new byte[0][]);

  private final byte[][] items;

  private WitnessStack(byte[][] owned) {
    this.items = owned;
  }

  /** A witness holding copies of {@code items}. */
  public static WitnessStack of(List<byte[]> items) {
    if (items.isEmpty()) {
      return EMPTY;
    }
    byte[][] copy = new byte[items.size()][];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = items.get(i).clone();
    }
    return new WitnessStack(copy);
  }

  /** A witness holding copies of {@code items}. */
  public static WitnessStack of(byte[]... items) {
    return of(Arrays.asList(items));
  }

  static WitnessStack wrap(byte[][] owned) {
    return owned.length == 0 ? EMPTY : new WitnessStack(owned);
  }

  /** Number of stack items. */
  public int size() {
    return items.length;
  }

  /** True if there are no items. */
  public boolean isEmpty() {
    return items.length == 0;
  }

  /** A copy of item {@code i}. */
  public byte[] item(int i) {
    return items[i].clone();
  }

  byte[] rawItem(int i) {
    return items[i];
  }

  /** Copies of all items. */
  public List<byte[]> items() {
    List<byte[]> out = new ArrayList<>(items.length);
    for (byte[] b : items) {
      out.add(b.clone());
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WitnessStack w && Arrays.deepEquals(items, w.items);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(items);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("WitnessStack[");
    for (int i = 0; i < items.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(Hex.encode(items[i]));
    }
    return sb.append(']').toString();
  }
}
