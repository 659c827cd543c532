package io.medledger.node;

import io.medledger.anchor.AnchorReceipt;
import io.medledger.chain.Entry;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A client of one node's client endpoint over a mutually authenticated {@link ClientChannel}:
 * submits entries (the future completes when the entry is final on that node), asks for its status
 * and which entries it holds. Responses are decoded with bounds. Thread-safe; many requests may be
 * in flight.
 */
public final class NodeClient implements AutoCloseable {
  private final ClientChannel channel;

  /** A client over an open channel (closed with this client). */
  public NodeClient(ClientChannel channel) {
    this.channel = Objects.requireNonNull(channel, "channel");
  }

  /**
   * Connects to the node at {@code address} whose ledger key must be {@code nodeKey}, authenticating
   * with {@code identity}.
   *
   * @throws NodeException with reason UNREACHABLE if the node cannot be reached or authenticated
   */
  public static NodeClient connect(PeerAddress address, Ed25519PublicKey nodeKey, TlsIdentity identity) {
    try {
      return new NodeClient(ClientChannel.connect(address, nodeKey, identity, TransportLimits.defaults()));
    } catch (RuntimeException e) {
      throw new NodeException(NodeException.Reason.UNREACHABLE, "cannot reach node " + nodeKey.toHex().substring(0, 16)
          + " at " + address + ": " + e.getMessage(), e);
    }
  }

  /**
   * Submits {@code entry}; the future completes with where it became final on the node, or fails
   * with {@link SubmissionRefusedException} (refused, busy, closed) or {@link TransportException}.
   */
  public CompletableFuture<Finality> submit(Entry entry) {
    Digest id = entry.id();
    return channel.request(ClientWire.submit(entry.encode())).thenApply(r -> {
      if (r.length == 41 && r[0] == ClientWire.OK) {
        ByteBuffer b = ByteBuffer.wrap(r, 1, 40);
        long h = b.getLong();
        return new Finality(id, h, Digest.of(r, 9));
      }
      throw refusal(r);
    });
  }

  /** The node's status as its JSON object. */
  public CompletableFuture<String> status() {
    return channel.request(new byte[] {ClientWire.STATUS}).thenApply(r -> {
      if (r.length >= 1 && r[0] == ClientWire.OK) {
        return new String(r, 1, r.length - 1, StandardCharsets.UTF_8);
      }
      throw refusal(r);
    });
  }

  /** For each id, whether the node's ledger holds it. */
  public CompletableFuture<boolean[]> contains(List<Digest> ids) {
    return channel.request(ClientWire.contains(ids)).thenApply(r -> {
      if (r.length != 1 + (ids.size() + 7) / 8 || r[0] != ClientWire.OK) {
        throw new MalformedEncodingException("contains response of the wrong length");
      }
      boolean[] out = new boolean[ids.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = ClientWire.bit(r, 1, i);
      }
      return out;
    });
  }

  /**
   * The node's latest checkpoint with the servers' note key bindings and, for {@code entryId} when
   * given, its inclusion proof (all unverified; see {@link CheckpointProof}).
   */
  public CompletableFuture<CheckpointProof> checkpoint(java.util.Optional<Digest> entryId) {
    return channel.request(ClientWire.checkpoint(entryId)).thenApply(NodeClient::checkpointOf);
  }

  /** Reads a CHECKPOINT response: refusals raised, everything else decoded with bounds (not verified). */
  static CheckpointProof checkpointOf(byte[] r) {
    if (r.length >= 1 && r[0] == ClientWire.OK) {
      ClientWire.CheckpointBody b = ClientWire.checkpointBody(r, 1);
      return new CheckpointProof(io.medledger.tlog.SignedNote.parse(b.note()),
          b.bindings().stream().map(io.medledger.tlog.NoteKeyBinding::parse).toList(), b.proof());
    }
    throw refusal(r);
  }

  /**
   * The anchor receipt of entry {@code entryId} as the node has it: complete, or pending until a
   * Bitcoin node completes it; empty when the entry is not on the node's ledger or no anchor
   * covers it yet. The receipt is unverified: check it with {@link AnchorReceipt#verify}.
   * Fails with {@link MalformedEncodingException} if the node answers with anything else.
   */
  public CompletableFuture<java.util.Optional<AnchorReceipt>> receipt(Digest entryId) {
    return channel.request(ClientWire.receipt(entryId)).thenApply(r -> receiptOf(entryId, r));
  }

  /** Reads a RECEIPT response for {@code entryId}: refusals raised, bounds and the entry checked. */
  static java.util.Optional<AnchorReceipt> receiptOf(Digest entryId, byte[] r) {
    if (r.length >= 1 && r[0] == ClientWire.REFUSED) {
      throw refusal(r);
    }
    java.util.Optional<AnchorReceipt> a = ClientWire.receiptJson(r).map(AnchorReceipt::fromJson);
    if (a.isPresent() && !Entry.decode(a.get().entry()).id().equals(entryId)) {
      throw new MalformedEncodingException("the receipt is for another entry");
    }
    return a;
  }

  private static RuntimeException refusal(byte[] r) {
    if (r.length >= 2 && r[0] == ClientWire.REFUSED) {
      SubmissionRefusedException.Cause[] causes = SubmissionRefusedException.Cause.values();
      int c = r[1] & 0xff;
      String why = new String(Arrays.copyOfRange(r, 2, Math.min(r.length, 2 + 4000)), StandardCharsets.UTF_8);
      return new SubmissionRefusedException(c < causes.length ? causes[c] : SubmissionRefusedException.Cause.CLOSED, why);
    }
    return new MalformedEncodingException("malformed response from the node");
  }

  /** Whether the channel is open. */
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() {
    channel.close();
  }
}
