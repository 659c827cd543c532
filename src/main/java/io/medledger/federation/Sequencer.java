package io.medledger.federation;

import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.client.EntryRejectedException;
import java.util.List;

/**
 * Orders entries into final, certified blocks on every node of a federation. The facade depends
 * only on this interface; {@link RotatingAuditSequencer} implements the model's rotating
 * bookkeeper with an audit quorum over in-process nodes.
 *
 * <p>Implementations are thread-safe.
 */
public interface Sequencer {
  /**
   * Makes {@code entries} final (in as many blocks as needed) and returns the outcome. Entries the
   * chain rules refuse are reported in {@link Outcome#rejected()}, never silently dropped.
   *
   * @throws EntryRejectedException if no block could be made final (too many faulty servers). A
   *     consensus protocol keeps the entries in its pending pool, so they may still become final
   *     later; the direct sequencer drops them.
   */
  Outcome submit(List<Entry> entries);

  /**
   * The result of a submission.
   *
   * @param blocks the blocks made final, in height order
   * @param rejected the entries refused, with the rule that refused them
   * @param roundChanges how many turns passed to the next bookkeeper (silent or refused proposers)
   */
  record Outcome(List<CertifiedBlock> blocks, List<Rejection> rejected, int roundChanges) {
    /** Copies the lists. */
    public Outcome {
      blocks = List.copyOf(blocks);
      rejected = List.copyOf(rejected);
    }
  }

  /**
   * One refused entry.
   *
   * @param entry the entry
   * @param reason the rule that refused it
   */
  record Rejection(Entry entry, String reason) {
    /** Checks that no required component is null. */
    public Rejection {
      java.util.Objects.requireNonNull(entry, "entry");
      java.util.Objects.requireNonNull(reason, "reason");
    }
  }
}
