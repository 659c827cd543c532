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

  private final Map<String, long[]> counts = new TreeMap<>();
  private final Map<String, String> examples = new TreeMap<>();
  private long total;

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
    if (!counts.containsKey(kind) && counts.size() >= MAX_KINDS) {
      kind = "other";
    }
    counts.computeIfAbsent(kind, k -> new long[1])[0]++;
    total++;
    String m = String.valueOf(t.getMessage()).replaceAll("\\s+", " ");
    examples.putIfAbsent(kind, m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) + "..." : m);
  }

  /** Failed submissions recorded so far. */
  synchronized long total() {
    return total;
  }

  /**
   * Writes one warning line per kind of failure, and one for submissions neither acknowledged nor
   * failed after the wait, to {@code err}; writes nothing when there are none.
   *
   * @param phase "timed phase" or "warm-up", named in each line
   */
  synchronized void report(PrintStream err, String phase, long submitted, long acknowledged, long waitSeconds) {
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      err.printf("medledger: warning: %s: %d submissions failed (%s), first: %s%n", phase, e.getValue()[0], e.getKey(),
          examples.get(e.getKey()));
    }
    long unanswered = submitted - acknowledged - total;
    if (unanswered > 0) {
      err.printf("medledger: warning: %s: %d submissions unanswered after %d s%n", phase, unanswered, waitSeconds);
    }
  }
}
