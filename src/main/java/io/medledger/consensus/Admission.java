package io.medledger.consensus;

import io.medledger.consensus.ConsensusMessage.Proposal;
import io.medledger.consensus.ConsensusMessage.Timeout;
import io.medledger.consensus.ConsensusMessage.Vote;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which proposals, votes and timeouts a node keeps, decided from their coordinates before any
 * signature is checked: rounds up to the current round plus K of the current height (timeouts of
 * any round); rounds 0 to K of the next height, buffered at most {@link #FUTURE_PER_SIGNER} per
 * signer; rounds up to where the node left each of the two previous heights plus K, for evidence
 * only. Holds the next-height buffer and where the node left recent heights. Not thread-safe.
 */
final class Admission {
  /** Messages are kept only for rounds up to the current round plus this window (K). */
  static final int ROUND_WINDOW = QuorumProtocol.ROUND_WINDOW;
  /** Per signer, at most this many messages of height+1 wait (four kinds per round of the window). */
  static final int FUTURE_PER_SIGNER = 4 * (ROUND_WINDOW + 1);

  /** What to do with a proposal, vote or timeout. */
  enum Decision {
    /** Of the current height and window: process it. */
    CURRENT,
    /** Of the next height and window: buffer it once its signer is known and within quota. */
    NEXT_HEIGHT,
    /** Of a recent height, within where this node left it plus K: check it for evidence only. */
    PAST,
    /** Of a recent height but beyond that window: consumed without effect. */
    PAST_BEYOND_WINDOW,
    /** Outside every window: dropped (not remembered as seen, a retransmission may count later). */
    DROP
  }

  private final Map<Long, Integer> leftAtRound = new HashMap<>();
  private final ArrayList<ConsensusMessage> future = new ArrayList<>();
  private int[] futureBySigner = new int[0];

  /** The decision for a message of (h, r) at this node's (height, round); timeouts of far rounds count. */
  Decision decide(long height, int round, long h, int r, boolean timeout) {
    if (h == height) {
      return r > round + ROUND_WINDOW && !timeout ? Decision.DROP : Decision.CURRENT;
    } else if (h == height + 1) {
      return r > ROUND_WINDOW ? Decision.DROP : Decision.NEXT_HEIGHT;
    } else if (h < height && h >= height - 2 && h >= 1) {
      return r > leftAtRound.getOrDefault(h, 0) + ROUND_WINDOW ? Decision.PAST_BEYOND_WINDOW : Decision.PAST;
    }
    return Decision.DROP;
  }

  /** Buffers a next-height message of signer (member index) {@code signer}; false when over its quota. */
  boolean buffer(int signer, ConsensusMessage m) {
    if (signer < 0 || futureBySigner[signer] >= FUTURE_PER_SIGNER) {
      return false;
    }
    futureBySigner[signer]++;
    future.add(m);
    return true;
  }

  /** Records the round at which this node left {@code height}. */
  void left(long height, int round) {
    leftAtRound.put(height, round);
  }

  /**
   * Enters {@code height} with {@code members} possible signers: forgets heights below
   * height - 2 and returns the buffered messages (now of the current height), emptying the buffer.
   */
  List<ConsensusMessage> enter(long height, int members) {
    leftAtRound.keySet().removeIf(k -> k < height - 2);
    List<ConsensusMessage> buffered = new ArrayList<>(future);
    future.clear();
    futureBySigner = new int[members];
    return buffered;
  }

  /** The number of messages buffered. */
  int buffered() {
    return future.size();
  }

  /** An estimate of the bytes buffered, at {@code perStatement} bytes per message plus its blocks. */
  long retainedBytes(int perStatement) {
    long bytes = 0;
    for (ConsensusMessage m : future) {
      bytes += perStatement + (m instanceof Proposal p ? p.blockRaw().length : 0)
          + (m instanceof Timeout t ? t.lockedBlockRaw().length : 0);
    }
    return bytes;
  }

  /** The round of a proposal, vote or timeout; 0 for other messages. */
  static int roundOf(ConsensusMessage m) {
    if (m instanceof Proposal p) {
      return p.statement().round();
    } else if (m instanceof Vote v) {
      return v.statement().round();
    } else if (m instanceof Timeout t) {
      return t.statement().round();
    }
    return 0;
  }
}
