package io.medledger.storage;

import java.util.zip.CRC32C;

/**
 * The on-disk frame of one block (format 1), big-endian:
 *
 * <pre>
 *   offset 0   1 byte   magic/format 0xB1
 *   offset 1   4 bytes  payload length L (unsigned)
 *   offset 5   4 bytes  header check: CRC32C of bytes 0..4
 *   offset 9   L bytes  payload (the encoded block)
 *   offset 9+L 4 bytes  CRC32C of the length field (bytes 1..4) followed by the payload
 * </pre>
 *
 * <p>Stateless.
 */
final class Frames {
  static final byte MAGIC = (byte) 0xB1;
  static final int HEADER = 9;
  static final int TRAILER = 4;
  static final int OVERHEAD = HEADER + TRAILER;

  private Frames() {}

  /** Writes the 9-byte header for a payload of {@code length} bytes into {@code out}. */
  static void header(int length, byte[] out) {
    out[0] = MAGIC;
    putInt(out, 1, length);
    CRC32C c = new CRC32C();
    c.update(out, 0, 5);
    putInt(out, 5, (int) c.getValue());
  }

  /** Whether {@code h[0..9)} is a header with the right magic and a matching header check. */
  static boolean headerCheckOk(byte[] h, int off) {
    CRC32C c = new CRC32C();
    c.update(h, off, 5);
    return h[off] == MAGIC && (int) c.getValue() == getInt(h, off + 5);
  }

  /** The trailer value for {@code payload}: CRC32C over the length field and the payload. */
  static int trailer(byte[] payload, int off, int len) {
    CRC32C c = new CRC32C();
    byte[] l = new byte[4];
    putInt(l, 0, len);
    c.update(l, 0, 4);
    c.update(payload, off, len);
    return (int) c.getValue();
  }

  static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static int getInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
  }
}
