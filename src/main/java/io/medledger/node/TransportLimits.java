package io.medledger.node;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds a transport enforces per peer, so that one slow or hostile peer cannot exhaust a node.
 * Immutable; validated at construction.
 *
 * @param maxFrameBytes largest frame sent or accepted; a length prefix above it closes the
 *     connection before anything is allocated (set the consensus {@code maxMessageBytes} to at most
 *     this, minus {@link #FRAME_OVERHEAD})
 * @param outboundQueueBytes bytes queued for one peer while its connection is not writable;
 *     further sends to it return false
 * @param inboundMemoryBytes bytes of a peer's frames received but not yet handed to the receiver;
 *     above it the connection stops reading until the receiver catches up
 * @param inboundBytesPerSecond sustained inbound rate allowed per peer (token bucket of one second)
 * @param inboundFramesPerSecond sustained inbound frame rate allowed per peer
 * @param idleTimeout a connection with no inbound traffic for this long is closed (peers send
 *     keep-alives at a third of it)
 * @param handshakeTimeout TLS plus version handshake must finish within this
 * @param reconnectMin first delay before re-dialling a lost peer
 * @param reconnectMax the exponential reconnect backoff's cap
 */
public record TransportLimits(int maxFrameBytes, long outboundQueueBytes, long inboundMemoryBytes,
    long inboundBytesPerSecond, int inboundFramesPerSecond, Duration idleTimeout,
    Duration handshakeTimeout, Duration reconnectMin, Duration reconnectMax) {
  /** Bytes a transport may add around a payload in one frame (kind tag and slack). */
  public static final int FRAME_OVERHEAD = 64;
  /** Smallest allowed frame cap. */
  public static final int MIN_FRAME_BYTES = 1024;
  /** Largest allowed frame cap (the length prefix is a signed 32-bit integer). */
  public static final int MAX_FRAME_BYTES = 256 << 20;

  public TransportLimits {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    Objects.requireNonNull(reconnectMin, "reconnectMin");
    Objects.requireNonNull(reconnectMax, "reconnectMax");
    if (maxFrameBytes < MIN_FRAME_BYTES || maxFrameBytes > MAX_FRAME_BYTES) {
      throw new IllegalArgumentException("maxFrameBytes must be " + MIN_FRAME_BYTES + ".." + MAX_FRAME_BYTES);
    }
    if (outboundQueueBytes < maxFrameBytes) {
      throw new IllegalArgumentException("outboundQueueBytes must be at least maxFrameBytes");
    }
    if (inboundMemoryBytes < maxFrameBytes) {
      throw new IllegalArgumentException("inboundMemoryBytes must be at least maxFrameBytes");
    }
    if (inboundBytesPerSecond < maxFrameBytes) {
      throw new IllegalArgumentException("inboundBytesPerSecond must be at least maxFrameBytes");
    }
    if (inboundFramesPerSecond < 1) {
      throw new IllegalArgumentException("inboundFramesPerSecond must be positive");
    }
    positive(idleTimeout, "idleTimeout");
    positive(handshakeTimeout, "handshakeTimeout");
    positive(reconnectMin, "reconnectMin");
    if (reconnectMax.compareTo(reconnectMin) < 0) {
      throw new IllegalArgumentException("reconnectMax must be at least reconnectMin");
    }
  }

  private static void positive(Duration d, String name) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /**
   * Defaults for a LAN federation: 16 MiB frames, 64 MiB outbound queue and 64 MiB inbound memory
   * per peer, 128 MiB/s and 50,000 frames/s per peer, 30 s idle timeout, 10 s handshake, reconnect
   * after 100 ms doubling to 10 s.
   */
  public static TransportLimits defaults() {
    return new TransportLimits(16 << 20, 64L << 20, 64L << 20, 128L << 20, 50_000,
        Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofSeconds(10));
  }

  /** A copy with another frame cap (queues and rates raised to stay valid). */
  public TransportLimits withMaxFrameBytes(int bytes) {
    return new TransportLimits(bytes, Math.max(outboundQueueBytes, bytes), Math.max(inboundMemoryBytes, bytes),
        Math.max(inboundBytesPerSecond, bytes), inboundFramesPerSecond, idleTimeout, handshakeTimeout,
        reconnectMin, reconnectMax);
  }

  /** A copy with other inbound quotas. */
  public TransportLimits withInbound(long memoryBytes, long bytesPerSecond, int framesPerSecond) {
    return new TransportLimits(maxFrameBytes, outboundQueueBytes, memoryBytes, bytesPerSecond, framesPerSecond,
        idleTimeout, handshakeTimeout, reconnectMin, reconnectMax);
  }

  /** A copy with another outbound queue bound. */
  public TransportLimits withOutboundQueueBytes(long bytes) {
    return new TransportLimits(maxFrameBytes, bytes, inboundMemoryBytes, inboundBytesPerSecond,
        inboundFramesPerSecond, idleTimeout, handshakeTimeout, reconnectMin, reconnectMax);
  }

  /** A copy with other timing. */
  public TransportLimits withTiming(Duration idle, Duration handshake, Duration reconnectMin, Duration reconnectMax) {
    return new TransportLimits(maxFrameBytes, outboundQueueBytes, inboundMemoryBytes, inboundBytesPerSecond,
        inboundFramesPerSecond, idle, handshake, reconnectMin, reconnectMax);
  }
}
