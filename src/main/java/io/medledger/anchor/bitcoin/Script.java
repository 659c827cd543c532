package io.medledger.anchor.bitcoin;

import io.medledger.codec.ByteString;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.internal.bitcoin.ByteWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An immutable Bitcoin script (scriptPubKey, scriptSig or script code): raw bytes, which need not
 * parse as opcodes, with builders for the standard templates and their classification.
 *
 * <p>Thread-safe.
 */
public final class Script {
  /** The empty script. */
  public static final Script EMPTY = new Script(new byte[0]);
  /** Largest OP_RETURN payload this class builds (Bitcoin Core's standard 80 data bytes). */
  public static final int MAX_OP_RETURN_DATA = 80;

  static final int OP_0 = 0x00;
  static final int OP_PUSHDATA1 = 0x4c;
  static final int OP_PUSHDATA2 = 0x4d;
  static final int OP_PUSHDATA4 = 0x4e;
  static final int OP_1NEGATE = 0x4f;
  static final int OP_1 = 0x51;
  static final int OP_16 = 0x60;
  static final int OP_RETURN = 0x6a;
  static final int OP_DUP = 0x76;
  static final int OP_EQUAL = 0x87;
  static final int OP_EQUALVERIFY = 0x88;
  static final int OP_HASH160 = 0xa9;
  static final int OP_CODESEPARATOR = 0xab;
  static final int OP_CHECKSIG = 0xac;

  private final byte[] bytes;

  private Script(byte[] owned) {
    this.bytes = owned;
  }

  /** A script holding a copy of {@code bytes} (any bytes; scripts need not parse). */
  public static Script of(byte[] bytes) {
    return bytes.length == 0 ? EMPTY : new Script(bytes.clone());
  }

  /**
   * A script from hex (any bytes are a script).
   *
   * @throws MalformedEncodingException if the text is not hex
   */
  public static Script fromHex(String hex) {
    return new Script(ByteString.fromHex(hex).toByteArray());
  }

  static Script wrap(byte[] owned) {
    return new Script(owned);
  }

  /** Pay to public key hash: {@code OP_DUP OP_HASH160 <hash> OP_EQUALVERIFY OP_CHECKSIG}. */
  public static Script p2pkh(byte[] pubKeyHash20) {
    requireLength(pubKeyHash20, 20, "a public key hash");
    byte[] s = new byte[25];
    s[0] = (byte) OP_DUP;
    s[1] = (byte) OP_HASH160;
    s[2] = 20;
    System.arraycopy(pubKeyHash20, 0, s, 3, 20);
    s[23] = (byte) OP_EQUALVERIFY;
    s[24] = (byte) OP_CHECKSIG;
    return new Script(s);
  }

  /** Pay to script hash: {@code OP_HASH160 <hash> OP_EQUAL}. */
  public static Script p2sh(byte[] scriptHash20) {
    requireLength(scriptHash20, 20, "a script hash");
    byte[] s = new byte[23];
    s[0] = (byte) OP_HASH160;
    s[1] = 20;
    System.arraycopy(scriptHash20, 0, s, 2, 20);
    s[22] = (byte) OP_EQUAL;
    return new Script(s);
  }

  /** Pay to witness public key hash: {@code OP_0 <hash>}. */
  public static Script p2wpkh(byte[] pubKeyHash20) {
    requireLength(pubKeyHash20, 20, "a public key hash");
    return witnessProgram(0, pubKeyHash20);
  }

  /** Pay to taproot with the given 32-byte x-only output key: {@code OP_1 <key>}. */
  public static Script p2tr(byte[] outputKeyX32) {
    requireLength(outputKeyX32, 32, "a taproot output key");
    return witnessProgram(1, outputKeyX32);
  }

  /** A witness program output {@code OP_n <program>} (version 0 to 16, 2 to 40 bytes). */
  public static Script witnessProgram(int version, byte[] program) {
    if (version < 0 || version > 16 || program.length < 2 || program.length > 40) {
      throw new IllegalArgumentException("witness version 0..16 with a 2..40 byte program required");
    }
    byte[] s = new byte[2 + program.length];
    s[0] = (byte) (version == 0 ? OP_0 : OP_1 + version - 1);
    s[1] = (byte) program.length;
    System.arraycopy(program, 0, s, 2, program.length);
    return new Script(s);
  }

  /** {@code OP_RETURN <data>} with a minimal push; at most 80 data bytes. */
  public static Script opReturn(byte[] data) {
    if (data.length > MAX_OP_RETURN_DATA) {
      throw new IllegalArgumentException("OP_RETURN data is at most 80 bytes, got " + data.length);
    }
    ByteWriter w = new ByteWriter(data.length + 3);
    w.u8(OP_RETURN);
    writePush(w, data);
    return new Script(w.toByteArray());
  }

  /** A push-only script of the given items, each pushed minimally (for scriptSigs). */
  public static Script ofPushes(byte[]... items) {
    ByteWriter w = new ByteWriter();
    for (byte[] item : items) {
      writePush(w, item);
    }
    return new Script(w.toByteArray());
  }

  /** Writes {@code data} with the smallest push (BIP 62 minimal push rules). */
  static void writePush(ByteWriter w, byte[] data) {
    int n = data.length;
    if (n == 0) {
      w.u8(OP_0);
    } else if (n == 1 && data[0] >= 1 && data[0] <= 16) {
      w.u8(OP_1 + data[0] - 1);
    } else if (n == 1 && (data[0] & 0xff) == 0x81) {
      w.u8(OP_1NEGATE);
    } else if (n < OP_PUSHDATA1) {
      w.u8(n).bytes(data);
    } else if (n <= 0xff) {
      w.u8(OP_PUSHDATA1).u8(n).bytes(data);
    } else if (n <= 0xffff) {
      w.u8(OP_PUSHDATA2).u8(n).u8(n >>> 8).bytes(data);
    } else {
      w.u8(OP_PUSHDATA4).u32(n).bytes(data);
    }
  }

  private static void requireLength(byte[] b, int n, String what) {
    if (b == null || b.length != n) {
      throw new IllegalArgumentException(what + " is " + n + " bytes");
    }
  }

  /** Returns a copy of the script bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  byte[] raw() {
    return bytes;
  }

  /** Length in bytes. */
  public int size() {
    return bytes.length;
  }

  /** Lowercase hex of the bytes. */
  public String toHex() {
    return Hex.encode(bytes);
  }

  /** Classifies the script as one of the standard templates. */
  public ScriptType type() {
    byte[] s = bytes;
    int n = s.length;
    if (n == 25 && (s[0] & 0xff) == OP_DUP && (s[1] & 0xff) == OP_HASH160 && s[2] == 20
        && (s[23] & 0xff) == OP_EQUALVERIFY && (s[24] & 0xff) == OP_CHECKSIG) {
      return ScriptType.P2PKH;
    }
    if (n == 23 && (s[0] & 0xff) == OP_HASH160 && s[1] == 20 && (s[22] & 0xff) == OP_EQUAL) {
      return ScriptType.P2SH;
    }
    int version = witnessVersion();
    if (version == 0 && n == 22) {
      return ScriptType.P2WPKH;
    }
    if (version == 0 && n == 34) {
      return ScriptType.P2WSH;
    }
    if (version == 1 && n == 34) {
      return ScriptType.P2TR;
    }
    if (version > 0) {
      return ScriptType.WITNESS_UNKNOWN;
    }
    if (n >= 1 && (s[0] & 0xff) == OP_RETURN && isPushOnly(1)) {
      return ScriptType.OP_RETURN;
    }
    return ScriptType.NONSTANDARD;
  }

  /** The witness version if this is a witness program (BIP 141 shape), else -1. */
  public int witnessVersion() {
    int n = bytes.length;
    if (n < 4 || n > 42 || (bytes[1] & 0xff) != n - 2) {
      return -1;
    }
    int op = bytes[0] & 0xff;
    if (op == OP_0) {
      return 0;
    }
    return op >= OP_1 && op <= OP_16 ? op - OP_1 + 1 : -1;
  }

  /**
   * The hash or key this standard script commits to: the 20-byte hash of P2PKH, P2SH and P2WPKH,
   * the 32-byte program of P2WSH and P2TR, the program of another witness version.
   */
  public Optional<byte[]> payload() {
    switch (type()) {
      case P2PKH:
        return Optional.of(Arrays.copyOfRange(bytes, 3, 23));
      case P2SH:
        return Optional.of(Arrays.copyOfRange(bytes, 2, 22));
      case P2WPKH:
      case P2WSH:
      case P2TR:
      case WITNESS_UNKNOWN:
        return Optional.of(Arrays.copyOfRange(bytes, 2, bytes.length));
      default:
        return Optional.empty();
    }
  }

  /** For an OP_RETURN script, the concatenated data of its pushes. */
  public Optional<byte[]> opReturnData() {
    if (type() != ScriptType.OP_RETURN) {
      return Optional.empty();
    }
    ByteWriter w = new ByteWriter(bytes.length);
    for (byte[] item : parsePushes(1).orElseThrow()) {
      w.bytes(item);
    }
    return Optional.of(w.toByteArray());
  }

  /** True if every opcode pushes data (OP_0, pushes, OP_1NEGATE, OP_1 to OP_16) and none is truncated. */
  public boolean isPushOnly() {
    return isPushOnly(0);
  }

  private boolean isPushOnly(int from) {
    return parsePushes(from).isPresent();
  }

  /**
   * The data items of a push-only script (OP_n pushes their number, OP_1NEGATE pushes 0x81),
   * or empty if the script has a non-push opcode or a truncated push.
   */
  public Optional<List<byte[]>> pushedItems() {
    return parsePushes(0);
  }

  private Optional<List<byte[]>> parsePushes(int from) {
    List<byte[]> out = new ArrayList<>();
    int pc = from;
    while (pc < bytes.length) {
      int op = bytes[pc++] & 0xff;
      if (op > OP_16 || op == 0x50) {
        return Optional.empty();
      }
      if (op == OP_0) {
        out.add(new byte[0]);
      } else if (op == OP_1NEGATE) {
        out.add(new byte[] {(byte) 0x81});
      } else if (op >= OP_1) {
        out.add(new byte[] {(byte) (op - OP_1 + 1)});
      } else {
        long len;
        if (op < OP_PUSHDATA1) {
          len = op;
        } else {
          int lb = op == OP_PUSHDATA1 ? 1 : op == OP_PUSHDATA2 ? 2 : 4;
          if (bytes.length - pc < lb) {
            return Optional.empty();
          }
          len = 0;
          for (int i = lb - 1; i >= 0; i--) {
            len = (len << 8) | (bytes[pc + i] & 0xff);
          }
          pc += lb;
        }
        if (len > bytes.length - pc) {
          return Optional.empty();
        }
        out.add(Arrays.copyOfRange(bytes, pc, pc + (int) len));
        pc += (int) len;
      }
    }
    return Optional.of(out);
  }

  /**
   * Position after the opcode at {@code pc}, following Bitcoin Core's GetScriptOp: on a truncated
   * push returns {@code -(position reached) - 1}. Requires {@code pc < size()}.
   */
  int nextOp(int pc) {
    int op = bytes[pc++] & 0xff;
    if (op > OP_PUSHDATA4) {
      return pc;
    }
    long len;
    if (op < OP_PUSHDATA1) {
      len = op;
    } else {
      int lb = op == OP_PUSHDATA1 ? 1 : op == OP_PUSHDATA2 ? 2 : 4;
      if (bytes.length - pc < lb) {
        return -pc - 1;
      }
      len = 0;
      for (int i = lb - 1; i >= 0; i--) {
        len = (len << 8) | (bytes[pc + i] & 0xff);
      }
      pc += lb;
    }
    if (len > bytes.length - pc) {
      return -pc - 1;
    }
    return pc + (int) len;
  }

  /** Parses hex from an untrusted source. */
  static Script parseHex(String hex) {
    try {
      return fromHex(hex);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("script is not hex: " + e.getMessage());
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Script s && Arrays.equals(bytes, s.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "Script[" + toHex() + "]";
  }
}
