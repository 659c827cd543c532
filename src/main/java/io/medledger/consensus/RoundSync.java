package io.medledger.consensus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;

/**
 * The highest round each voter of the current height has timed out at, from which rounds are
 * synchronized: f + 1 voters at rounds >= r make a voter join r; a quorum at rounds >= r moves
 * every node to r + 1. One integer per voter. Not thread-safe.
 */
final class RoundSync {
  private final TreeMap<Integer, Integer> timeoutRounds = new TreeMap<>();

  /** Records that {@code voter} timed out at {@code round} (only its highest round is kept). */
  void record(int voter, int round) {
    timeoutRounds.merge(voter, round, Math::max);
  }

  /** The highest round {@code voter} timed out at, or -1. */
  int highest(int voter) {
    return timeoutRounds.getOrDefault(voter, -1);
  }

  /** The number of voters that timed out at some round. */
  int voters() {
    return timeoutRounds.size();
  }

  /**
   * The highest round r such that at least {@code count} voters timed out at rounds >= r, or -1
   * when fewer than {@code count} voters timed out.
   */
  int reachedBy(int count) {
    if (count < 1 || timeoutRounds.size() < count) {
      return -1;
    }
    List<Integer> rs = new ArrayList<>(timeoutRounds.values());
    rs.sort(Collections.reverseOrder());
    return rs.get(count - 1);
  }

  boolean isEmpty() {
    return timeoutRounds.isEmpty();
  }

  /** Forgets every timeout (a new height). */
  void clear() {
    timeoutRounds.clear();
  }
}
