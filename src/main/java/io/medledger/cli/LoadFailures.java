package io.medledger.cli;

import io.medledger.node.NodeException;
import io.medledger.node.SubmissionRefusedException;
import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The failed submissions of one phase of {@code medledger load}, counted by kind (a refusal's
 * cause, a transport failure, an unexpected exception), each kind with the message of its first
 * failure. At most {@link #MAX_KINDS} kinds are kept apart; further kinds are counted together.
 *
 * <p>Thread-safe: failures are recorded from the client connections' threads.
 */
final class LoadFailures {
  /** Distinct kinds reported one by one; a hostile node cannot grow the report beyond this. */
  static final int MAX_KINDS = 16;
  /** Longest example message kept per kind, in characters. */
  static final int MAX_MESSAGE = 200;

  /** A kind's count and the message of its first failure. */
  private static final class Kind {
    final String example;
    long count;

    Kind(String example) {
      this.example = example;
    }
  }

  private final Map<String, Kind> kinds = new TreeMap<>();

  /** Records one failed submission. */
  synchronized void record(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    String kind;
    if (t instanceof SubmissionRefusedException r) {
      kind = "refused " + r.refusal();
    } else if (t instanceof NodeException n) {
      kind = n.getClass().getSimpleName() + " " + n.reason();
    } else {
      kind = t.getClass().getSimpleName();
    }
    if (!kinds.containsKey(kind) && kinds.size() >= MAX_KINDS) {
      kind = "other";
    }
    String m = String.valueOf(t.getMessage()).replaceAll("\\s+", " ");
    kinds.computeIfAbsent(kind, k -> new Kind(m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) + "..." : m))
        .count++;
  }

  /** Failed submissions recorded so far. */
  synchronized long total() {
    long total = 0;
    for (Kind k : kinds.values()) {
      total += k.count;
    }
    return total;
  }

  /**
   * Writes one warning line per kind of failure, and one for submissions neither acknowledged nor
   * failed after the wait, to {@code err}; writes nothing when there are none.
   *
   * @param phase "timed phase" or "warm-up", named in each line
   */
  synchronized void report(PrintStream err, String phase, long submitted, long acknowledged, long waitSeconds) {
    for (Map.Entry<String, Kind> e : kinds.entrySet()) {
      err.printf("medledger: warning: %s: %d submissions failed (%s), first: %s%n", phase, e.getValue().count, e.getKey(),
          e.getValue().example);
    }
    long unanswered = submitted - acknowledged - total();
    if (unanswered > 0) {
      err.printf("medledger: warning: %s: %d submissions unanswered after %d s%n", phase, unanswered, waitSeconds);
    }
  }
}
