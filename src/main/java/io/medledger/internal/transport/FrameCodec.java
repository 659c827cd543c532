package io.medledger.internal.transport;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The wire format of a peer connection after TLS: frames of a 4-byte big-endian length and that
 * many bytes; a zero-length frame is a keep-alive. The first frame each way is the {@link Hello}.
 * Pure functions, no I/O and no Netty: the Netty decoder calls {@link #frameLength} on the 4
 * prefix bytes before it allocates anything, and {@link #split} (the fuzzing entry point) applies
 * the same rules to a whole byte stream.
 */
public final class FrameCodec {
  /** Bytes of the length prefix. */
  public static final int PREFIX = 4;
  /**
   * The protocol version this build speaks, and the only one: 2 since entry batches are unsigned
   * (version 1 signed them; a version 1 peer is refused in the handshake).
   */
  public static final int VERSION = 2;
  private static final byte[] MAGIC = {'M', 'E', 'D', 'L', 'E', 'D', 'G', 'R'};
  /** Size of a hello frame's payload. */
  public static final int HELLO_BYTES = MAGIC.length + 2 + 2 + Digest.LENGTH;

  private FrameCodec() {}

  /** A version handshake: the versions a side speaks and the chain it serves. */
  public record Hello(int minVersion, int maxVersion, Digest chainId) {
    public Hello {
      if (minVersion < 1 || maxVersion < minVersion || maxVersion > 0xffff) {
        throw new IllegalArgumentException("invalid version range");
      }
    }

    /** This build's hello for {@code chainId}. */
    public static Hello of(Digest chainId) {
      return new Hello(VERSION, VERSION, chainId);
    }

    /**
     * The version both sides speak (the highest common one).
     *
     * @throws MalformedEncodingException if the chains differ or no version is common
     */
    public int agree(Hello peer) {
      if (!chainId.equals(peer.chainId)) {
        throw new MalformedEncodingException("the peer serves another chain " + peer.chainId);
      }
      int v = Math.min(maxVersion, peer.maxVersion);
      if (v < Math.max(minVersion, peer.minVersion)) {
        throw new MalformedEncodingException("no common protocol version: ours " + minVersion + ".." + maxVersion
            + ", the peer's " + peer.minVersion + ".." + peer.maxVersion);
      }
      return v;
    }

    /** The hello's payload. */
    public byte[] encode() {
      byte[] out = new byte[HELLO_BYTES];
      System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
      out[8] = (byte) (minVersion >>> 8);
      out[9] = (byte) minVersion;
      out[10] = (byte) (maxVersion >>> 8);
      out[11] = (byte) maxVersion;
      chainId.copyTo(out, 12);
      return out;
    }

    /**
     * Decodes a hello payload.
     *
     * @throws MalformedEncodingException if it is not one
     */
    public static Hello decode(byte[] payload) {
      if (payload.length != HELLO_BYTES || !Arrays.equals(Arrays.copyOf(payload, MAGIC.length), MAGIC)) {
        throw new MalformedEncodingException("not a MedLedger hello");
      }
      int min = ((payload[8] & 0xff) << 8) | (payload[9] & 0xff);
      int max = ((payload[10] & 0xff) << 8) | (payload[11] & 0xff);
      if (min < 1 || max < min) {
        throw new MalformedEncodingException("invalid version range in hello");
      }
      return new Hello(min, max, Digest.of(payload, 12));
    }
  }

  /**
   * The payload length announced by a prefix.
   *
   * @throws MalformedEncodingException if it is negative or above {@code maxFrameBytes}
   */
  public static int frameLength(int b0, int b1, int b2, int b3, int maxFrameBytes) {
    long n = ((long) (b0 & 0xff) << 24) | ((b1 & 0xff) << 16) | ((b2 & 0xff) << 8) | (b3 & 0xff);
    if (n > maxFrameBytes) {
      throw new MalformedEncodingException("frame of " + n + " bytes exceeds the cap of " + maxFrameBytes);
    }
    return (int) n;
  }

  /** The 4-byte prefix of a frame of {@code length} bytes. */
  public static byte[] prefix(int length) {
    return new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
  }

  /**
   * Splits a byte stream into frames (keep-alives omitted), as a connection would read it.
   * Trailing bytes of an incomplete frame are ignored.
   *
   * @throws MalformedEncodingException at the first prefix above {@code maxFrameBytes}
   */
  public static List<byte[]> split(byte[] stream, int maxFrameBytes) {
    List<byte[]> out = new ArrayList<>();
    int pos = 0;
    while (stream.length - pos >= PREFIX) {
      int n = frameLength(stream[pos], stream[pos + 1], stream[pos + 2], stream[pos + 3], maxFrameBytes);
      if (stream.length - pos - PREFIX < n) {
        break;
      }
      if (n > 0) {
        out.add(Arrays.copyOfRange(stream, pos + PREFIX, pos + PREFIX + n));
      }
      pos += PREFIX + n;
    }
    return out;
  }
}
