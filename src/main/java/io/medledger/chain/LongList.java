package io.medledger.chain;

import java.util.Arrays;

/** A growable array of longs, ascending by construction where the ledger uses it. Not thread-safe. */
final class LongList {
  private long[] a = new long[4];
  private int n;

  void add(long v) {
    if (n == a.length) {
      a = Arrays.copyOf(a, n * 2);
    }
    a[n++] = v;
  }

  int size() {
    return n;
  }

  long get(int i) {
    if (i >= n) {
      throw new IndexOutOfBoundsException(i);
    }
    return a[i];
  }

  /** Index of the first element greater than {@code v} (the list must be ascending). */
  int firstAbove(long v) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] <= v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
