package io.medledger.internal.umbral;

import io.medledger.codec.MalformedEncodingException;

/**
 * The fixed subset of MessagePack the Umbral objects use: fixarray headers, bin8 byte fields of a
 * fixed length and booleans. The reader accepts only the canonical layout and no trailing bytes.
 *
 * <p>Not thread-safe (a reader or writer has a position); use one per call.
 */
public final class MsgPack {
  private MsgPack() {}

  /** Sequential strict reader over one encoded object. */
  public static final class Reader {
    private final byte[] b;
    private final String what;
    private int pos;

    /** Reads {@code b}, naming the object as {@code what} in errors. */
    public Reader(byte[] b, String what) {
      if (b == null) {
        throw new MalformedEncodingException(what + ": no bytes");
      }
      this.b = b;
      this.what = what;
    }

    private void need(int n) {
      if (b.length - pos < n) {
        throw new MalformedEncodingException(what + ": truncated input");
      }
    }

    /** Expects a fixarray header with {@code count} elements. */
    public void array(int count) {
      need(1);
      if ((b[pos] & 0xff) != (0x90 | count)) {
        throw new MalformedEncodingException(what + ": expected an array of " + count + " at offset " + pos);
      }
      pos++;
    }

    /** Expects a bin8 header of exactly {@code len} bytes; returns the offset of the data. */
    public int bin(int len) {
      need(2);
      if ((b[pos] & 0xff) != 0xc4 || (b[pos + 1] & 0xff) != len) {
        throw new MalformedEncodingException(what + ": expected a " + len + "-byte field at offset " + pos);
      }
      pos += 2;
      need(len);
      int at = pos;
      pos += len;
      return at;
    }

    /** A bin8 field holding a compressed point. */
    public CurvePoint point() {
      need(2);
      if ((b[pos] & 0xff) == 0xc4 && (b[pos + 1] & 0xff) == 1) {
        throw new MalformedEncodingException(what + ": the identity point is not accepted");
      }
      int at = bin(CurvePoint.LENGTH);
      try {
        return CurvePoint.fromBytes(b, at);
      } catch (MalformedEncodingException e) {
        throw new MalformedEncodingException(what + ": " + e.getMessage());
      }
    }

    /** A bin8 field holding a 32-byte scalar below n (0 allowed). */
    public CurveScalar scalar() {
      int at = bin(CurveScalar.LENGTH);
      try {
        return CurveScalar.fromBytes(b, at);
      } catch (MalformedEncodingException e) {
        throw new MalformedEncodingException(what + ": " + e.getMessage());
      }
    }

    /** A bin8 field of {@code len} raw bytes (copied). */
    public byte[] bytes(int len) {
      int at = bin(len);
      return java.util.Arrays.copyOfRange(b, at, at + len);
    }

    /** A MessagePack boolean. */
    public boolean bool() {
      need(1);
      int v = b[pos] & 0xff;
      if (v != 0xc2 && v != 0xc3) {
        throw new MalformedEncodingException(what + ": expected a boolean at offset " + pos);
      }
      pos++;
      return v == 0xc3;
    }

    /** Requires that everything was consumed. */
    public void end() {
      if (pos != b.length) {
        throw new MalformedEncodingException(what + ": " + (b.length - pos) + " trailing bytes");
      }
    }
  }

  /** Writer into a buffer of known size. */
  public static final class Writer {
    private final byte[] out;
    private int pos;

    /** A writer producing exactly {@code size} bytes. */
    public Writer(int size) {
      out = new byte[size];
    }

    /** Writes a fixarray header. */
    public Writer array(int count) {
      out[pos++] = (byte) (0x90 | count);
      return this;
    }

    /** Writes a bin8 field. */
    public Writer bin(byte[] data) {
      out[pos++] = (byte) 0xc4;
      out[pos++] = (byte) data.length;
      System.arraycopy(data, 0, out, pos, data.length);
      pos += data.length;
      return this;
    }

    /** Writes a point as a bin8 field. */
    public Writer point(CurvePoint p) {
      out[pos++] = (byte) 0xc4;
      out[pos++] = (byte) CurvePoint.LENGTH;
      p.copyTo(out, pos);
      pos += CurvePoint.LENGTH;
      return this;
    }

    /** Writes a boolean. */
    public Writer bool(boolean v) {
      out[pos++] = (byte) (v ? 0xc3 : 0xc2);
      return this;
    }

    /** The bytes; fails if the size was not exactly filled. */
    public byte[] done() {
      if (pos != out.length) {
        throw new IllegalStateException("encoder wrote " + pos + " of " + out.length + " bytes");
      }
      return out;
    }
  }
}
