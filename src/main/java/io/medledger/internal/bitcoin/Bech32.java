package io.medledger.internal.bitcoin;

import io.medledger.codec.MalformedEncodingException;
import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** Bech32 (BIP 173) and Bech32m (BIP 350) and segwit address coding. Stateless and thread-safe. */
public final class Bech32 {
  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  private static final int BECH32_CONST = 1;
  private static final int BECH32M_CONST = 0x2bc830a3;
  /** BIP 173's length limit for a whole string. */
  public static final int MAX_LENGTH = 90;

  /** The checksum variant. */
  public enum Encoding { BECH32, BECH32M }

  /** A decoded string: human-readable part, 5-bit data without checksum, and the variant. */
  public record Decoded(String hrp, byte[] data, Encoding encoding) {}

  /** A decoded segwit address. */
  public record WitnessProgram(String hrp, int version, byte[] program) {}

  private Bech32() {}

  private static int polymod(byte[] values) {
    int[] gen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    int chk = 1;
    for (byte v : values) {
      int b = chk >>> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ (v & 0xff);
      for (int i = 0; i < 5; i++) {
        if (((b >>> i) & 1) != 0) {
          chk ^= gen[i];
        }
      }
    }
    return chk;
  }

  private static byte[] hrpExpand(String hrp) {
    int n = hrp.length();
    byte[] out = new byte[2 * n + 1];
    for (int i = 0; i < n; i++) {
      out[i] = (byte) (hrp.charAt(i) >>> 5);
      out[n + 1 + i] = (byte) (hrp.charAt(i) & 31);
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b, int extraZeros) {
    byte[] out = new byte[a.length + b.length + extraZeros];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  public static String encode(String hrp, byte[] data5, Encoding enc) {
    byte[] values = concat(hrpExpand(hrp), data5, 6);
    int mod = polymod(values) ^ (enc == Encoding.BECH32 ? BECH32_CONST : BECH32M_CONST);
    StringBuilder sb = new StringBuilder(hrp.length() + 1 + data5.length + 6);
    sb.append(hrp).append('1');
    for (byte b : data5) {
      sb.append(CHARSET.charAt(b));
    }
    for (int i = 0; i < 6; i++) {
      sb.append(CHARSET.charAt((mod >>> (5 * (5 - i))) & 31));
    }
    return sb.toString();
  }

  /**
   * Decodes a Bech32 or Bech32m string (BIP 173/350 rules: one case, printable ASCII human-readable
   * part, at most 90 characters, valid checksum).
   */
  public static Decoded decode(String s) {
    if (s.length() > MAX_LENGTH) {
      throw new MalformedEncodingException("Bech32 string longer than 90 characters");
    }
    boolean lower = false;
    boolean upper = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 33 || c > 126) {
        throw new MalformedEncodingException("Bech32 string has a character outside printable ASCII");
      }
      lower |= c >= 'a' && c <= 'z';
      upper |= c >= 'A' && c <= 'Z';
    }
    if (lower && upper) {
      throw new MalformedEncodingException("Bech32 string mixes upper and lower case");
    }
    String t = s.toLowerCase(Locale.ROOT);
    int pos = t.lastIndexOf('1');
    if (pos < 1 || pos + 7 > t.length()) {
      throw new MalformedEncodingException("Bech32 separator missing or misplaced");
    }
    String hrp = t.substring(0, pos);
    byte[] data = new byte[t.length() - pos - 1];
    for (int i = 0; i < data.length; i++) {
      int v = CHARSET.indexOf(t.charAt(pos + 1 + i));
      if (v < 0) {
        throw new MalformedEncodingException("invalid Bech32 character");
      }
      data[i] = (byte) v;
    }
    int mod = polymod(concat(hrpExpand(hrp), data, 0));
    Encoding enc;
    if (mod == BECH32_CONST) {
      enc = Encoding.BECH32;
    } else if (mod == BECH32M_CONST) {
      enc = Encoding.BECH32M;
    } else {
      throw new MalformedEncodingException("Bech32 checksum mismatch");
    }
    byte[] payload = new byte[data.length - 6];
    System.arraycopy(data, 0, payload, 0, payload.length);
    return new Decoded(hrp, payload, enc);
  }

  /** Regroups bits; {@code pad} false rejects leftover non-zero bits or a full leftover group. */
  public static byte[] convertBits(byte[] in, int from, int to, boolean pad) {
    int acc = 0;
    int bits = 0;
    int maxv = (1 << to) - 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * from / to + 1);
    for (byte b : in) {
      int v = b & 0xff;
      if ((v >>> from) != 0) {
        throw new MalformedEncodingException("value out of range in bit conversion");
      }
      acc = (acc << from) | v;
      bits += from;
      while (bits >= to) {
        bits -= to;
        out.write((acc >>> bits) & maxv);
      }
    }
    if (pad) {
      if (bits > 0) {
        out.write((acc << (to - bits)) & maxv);
      }
    } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
      throw new MalformedEncodingException("invalid padding in Bech32 data");
    }
    return out.toByteArray();
  }

  /** Encodes a segwit address: Bech32 for version 0, Bech32m for versions 1 to 16. */
  public static String encodeSegwit(String hrp, int version, byte[] program) {
    checkProgram(version, program);
    byte[] conv = convertBits(program, 8, 5, true);
    byte[] data = new byte[conv.length + 1];
    data[0] = (byte) version;
    System.arraycopy(conv, 0, data, 1, conv.length);
    return encode(hrp, data, version == 0 ? Encoding.BECH32 : Encoding.BECH32M);
  }

  /** Decodes a segwit address with BIP 173/350 checks; the caller checks the human-readable part. */
  public static WitnessProgram decodeSegwit(String s) {
    Decoded d = decode(s);
    if (d.data().length < 1) {
      throw new MalformedEncodingException("segwit address has no witness version");
    }
    int version = d.data()[0];
    if (version > 16) {
      throw new MalformedEncodingException("witness version " + version + " above 16");
    }
    Encoding expected = version == 0 ? Encoding.BECH32 : Encoding.BECH32M;
    if (d.encoding() != expected) {
      throw new MalformedEncodingException("witness version " + version + " requires " + expected);
    }
    byte[] five = new byte[d.data().length - 1];
    System.arraycopy(d.data(), 1, five, 0, five.length);
    byte[] program = convertBits(five, 5, 8, false);
    checkProgram(version, program);
    return new WitnessProgram(d.hrp(), version, program);
  }

  private static void checkProgram(int version, byte[] program) {
    if (version < 0 || version > 16) {
      throw new MalformedEncodingException("witness version must be 0 to 16");
    }
    if (program.length < 2 || program.length > 40) {
      throw new MalformedEncodingException("witness program must be 2 to 40 bytes, got " + program.length);
    }
    if (version == 0 && program.length != 20 && program.length != 32) {
      throw new MalformedEncodingException("a version 0 witness program is 20 or 32 bytes");
    }
  }
}
