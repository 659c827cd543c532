package io.medledger.anchor.ots;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A node of an OpenTimestamps proof tree: an ordered, non-empty list of branches, each either an
 * attestation on the node's message or an operation leading to a child node. The node does not
 * hold its message: messages are recomputed from the file digest, so a tree cannot disagree
 * with them. Branch order is kept as read, so a proof is rewritten byte for byte.
 *
 * <p>Immutable and thread-safe.
 */
public final class OtsNode {
  /** Most operations on any path from the root, as the reference reader allows (255). */
  public static final int MAX_DEPTH = 255;

  private final List<Branch> branches;
  private final int depth;

  private OtsNode(List<Branch> branches) {
    this.branches = branches;
    int d = 0;
    for (Branch b : branches) {
      if (b instanceof Step s) {
        d = Math.max(d, s.next().depth + 1);
      }
    }
    if (d > MAX_DEPTH) {
      throw new IllegalArgumentException("proof tree deeper than " + MAX_DEPTH + " operations");
    }
    this.depth = d;
  }

  /**
   * A node with the given branches, in order.
   *
   * @throws IllegalArgumentException if there are none or the tree gets too deep
   */
  public static OtsNode of(List<? extends Branch> branches) {
    if (branches.isEmpty()) {
      throw new IllegalArgumentException("a proof node needs at least one branch");
    }
    return new OtsNode(List.copyOf(branches));
  }

  /** A node with the single attestation {@code attestation}. */
  public static OtsNode attested(OtsAttestation attestation) {
    return of(List.of(new Attested(attestation)));
  }

  /** A linear chain: {@code operations} applied in order, then {@code attestation}. */
  public static OtsNode chain(List<? extends OtsOperation> operations, OtsAttestation attestation) {
    OtsNode node = attested(attestation);
    List<OtsOperation> ops = new ArrayList<>(operations);
    for (int i = ops.size() - 1; i >= 0; i--) {
      node = of(List.of(new Step(ops.get(i), node)));
    }
    return node;
  }

  /** The branches in order. */
  public List<Branch> branches() {
    return branches;
  }

  /** The number of operations on the longest path from this node. */
  public int depth() {
    return depth;
  }

  /** One branch of a node. */
  public sealed interface Branch permits Attested, Step {}

  /**
   * An attestation on the node's message.
   *
   * @param attestation the attestation
   */
  public record Attested(OtsAttestation attestation) implements Branch {
    /** Validates the field. */
    public Attested {
      Objects.requireNonNull(attestation, "attestation");
    }
  }

  /**
   * An operation on the node's message whose result is the message of {@code next}.
   *
   * @param operation the operation
   * @param next the child node
   */
  public record Step(OtsOperation operation, OtsNode next) implements Branch {
    /** Validates the fields. */
    public Step {
      Objects.requireNonNull(operation, "operation");
      Objects.requireNonNull(next, "next");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OtsNode n && n.branches.equals(branches);
  }

  @Override
  public int hashCode() {
    return branches.hashCode();
  }

  @Override
  public String toString() {
    return "OtsNode" + branches;
  }
}
