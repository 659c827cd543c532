package io.medledger.internal.transport;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.internal.consensus.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The payloads a node's protocol driver exchanges over a peer transport: a one-byte kind, then a
 * consensus message or a bulk-sync request or response. Pure functions, no I/O: {@link #decode} is
 * total over any byte array (a {@link MalformedEncodingException} for anything that is not exactly
 * one frame) and allocates nothing larger than its input, so it is the fuzzing entry point of this
 * layer.
 */
public final class NodeFrames {
  /** Kind of a consensus message frame (the payload is {@code ConsensusMessage.encode()}). */
  public static final int CONSENSUS = 1;
  /** Kind of a sync request. */
  public static final int SYNC_REQUEST = 2;
  /** Kind of a sync response. */
  public static final int SYNC_RESPONSE = 3;
  /** Kind of a signed checkpoint of the ledger-wide log (the payload is the node runtime's). */
  public static final int CHECKPOINT = 4;
  /** Largest checkpoint payload. */
  public static final int MAX_CHECKPOINT_BYTES = 128 << 10;
  /** Most blocks one sync request or response carries. */
  public static final int MAX_SYNC_BLOCKS = 10_000;

  private NodeFrames() {}

  /** A decoded frame. Immutable. */
  public sealed interface Frame {}

  /** A consensus message, still encoded (the protocol decodes and verifies it). */
  public record Consensus(byte[] message) implements Frame {
    public Consensus {
      Objects.requireNonNull(message, "message");
    }
  }

  /** "Send me up to {@code count} certified blocks from {@code fromHeight} on." */
  public record SyncRequest(long fromHeight, int count) implements Frame {
    public SyncRequest {
      if (fromHeight < 1 || count < 1 || count > MAX_SYNC_BLOCKS) {
        throw new IllegalArgumentException("sync request needs fromHeight >= 1 and count 1.." + MAX_SYNC_BLOCKS);
      }
    }
  }

  /**
   * Blocks {@code fromHeight}, {@code fromHeight+1}, ... with their certificates (possibly none),
   * and the height the sender claims to have committed. The claim is untrusted.
   */
  public record SyncResponse(long fromHeight, long claimedHeight, List<byte[]> blocks, List<QuorumCertificate> certificates)
      implements Frame {
    public SyncResponse {
      blocks = List.copyOf(blocks);
      certificates = List.copyOf(certificates);
      if (fromHeight < 1 || claimedHeight < 0 || blocks.size() != certificates.size()
          || blocks.size() > MAX_SYNC_BLOCKS) {
        throw new IllegalArgumentException("inconsistent sync response");
      }
    }
  }

  /** A signed checkpoint and the sender's note key binding, still encoded (the receiver checks it). */
  public record CheckpointNote(byte[] payload) implements Frame {
    public CheckpointNote {
      Objects.requireNonNull(payload, "payload");
      if (payload.length > MAX_CHECKPOINT_BYTES) {
        throw new IllegalArgumentException("checkpoint payload larger than " + MAX_CHECKPOINT_BYTES + " bytes");
      }
    }
  }

  /** Encodes a checkpoint frame around its payload. */
  public static byte[] checkpoint(byte[] payload) {
    new CheckpointNote(payload);
    byte[] out = new byte[payload.length + 1];
    out[0] = CHECKPOINT;
    System.arraycopy(payload, 0, out, 1, payload.length);
    return out;
  }

  /** Encodes a consensus frame around an encoded consensus message. */
  public static byte[] consensus(byte[] message) {
    byte[] out = new byte[message.length + 1];
    out[0] = CONSENSUS;
    System.arraycopy(message, 0, out, 1, message.length);
    return out;
  }

  /** Encodes a sync request. */
  public static byte[] encode(SyncRequest q) {
    return new Wire.Writer(16).u8(SYNC_REQUEST).i64(q.fromHeight()).i32(q.count()).toByteArray();
  }

  /** Encodes a sync response. */
  public static byte[] encode(SyncResponse r) {
    int size = 32;
    for (byte[] b : r.blocks()) {
      size += b.length + 8 + 128;
    }
    Wire.Writer w = new Wire.Writer(size).u8(SYNC_RESPONSE).i64(r.fromHeight()).i64(r.claimedHeight())
        .i32(r.blocks().size());
    for (int i = 0; i < r.blocks().size(); i++) {
      w.bytes(r.blocks().get(i)).bytes(r.certificates().get(i).encode());
    }
    return w.toByteArray();
  }

  /**
   * Decodes one frame of at most {@code maxBytes}.
   *
   * @throws MalformedEncodingException if the bytes are not exactly one well-formed frame
   */
  public static Frame decode(byte[] frame, int maxBytes) {
    Objects.requireNonNull(frame, "frame");
    if (frame.length > maxBytes) {
      throw new MalformedEncodingException("frame of " + frame.length + " bytes exceeds " + maxBytes);
    }
    if (frame.length == 0) {
      throw new MalformedEncodingException("empty frame");
    }
    try {
      switch (frame[0]) {
        case CONSENSUS: {
          byte[] m = new byte[frame.length - 1];
          System.arraycopy(frame, 1, m, 0, m.length);
          return new Consensus(m);
        }
        case SYNC_REQUEST: {
          Wire.Reader r = new Wire.Reader(frame);
          r.u8();
          SyncRequest q = new SyncRequest(r.i64In(1, Long.MAX_VALUE, "from height"),
              r.i32In(1, MAX_SYNC_BLOCKS, "count"));
          r.done();
          return q;
        }
        case SYNC_RESPONSE: {
          Wire.Reader r = new Wire.Reader(frame);
          r.u8();
          long from = r.i64In(1, Long.MAX_VALUE, "from height");
          long claimed = r.i64In(0, Long.MAX_VALUE, "claimed height");
          int n = r.count(Math.min(MAX_SYNC_BLOCKS, r.remaining() / 8), "block");
          List<byte[]> blocks = new ArrayList<>(n);
          List<QuorumCertificate> certs = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            blocks.add(r.bytes(maxBytes));
            certs.add(QuorumCertificate.decode(r.bytes(maxBytes)));
          }
          r.done();
          return new SyncResponse(from, claimed, blocks, certs);
        }
        case CHECKPOINT:
          return new CheckpointNote(java.util.Arrays.copyOfRange(frame, 1, frame.length));
        default:
          throw new MalformedEncodingException("unknown frame kind " + (frame[0] & 0xff));
      }
    } catch (MalformedEncodingException e) {
      throw e;
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new MalformedEncodingException("frame: " + e.getMessage(), e);
    }
  }
}
