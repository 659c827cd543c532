package io.medledger.anchor.bitcoin;

import io.medledger.codec.Hex;
import io.medledger.internal.bitcoin.ByteWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Test helper: Bitcoin Core's script "asm" of its JSON test files (core_read.cpp ParseScript):
 * decimal numbers become minimal number pushes, {@code 0x..} is raw bytes, {@code '...'} pushes
 * text, and opcode names appear with or without {@code OP_}.
 */
final class CoreScriptAsm {
  private static final Map<String, Integer> OPCODES = new HashMap<>();

  static {
    String[] names = {
      "0:0", "FALSE:0", "PUSHDATA1:76", "PUSHDATA2:77", "PUSHDATA4:78", "1NEGATE:79", "RESERVED:80",
      "1:81", "TRUE:81", "2:82", "3:83", "4:84", "5:85", "6:86", "7:87", "8:88", "9:89", "10:90", "11:91",
      "12:92", "13:93", "14:94", "15:95", "16:96", "NOP:97", "VER:98", "IF:99", "NOTIF:100", "VERIF:101",
      "VERNOTIF:102", "ELSE:103", "ENDIF:104", "VERIFY:105", "RETURN:106", "TOALTSTACK:107",
      "FROMALTSTACK:108", "2DROP:109", "2DUP:110", "3DUP:111", "2OVER:112", "2ROT:113", "2SWAP:114",
      "IFDUP:115", "DEPTH:116", "DROP:117", "DUP:118", "NIP:119", "OVER:120", "PICK:121", "ROLL:122",
      "ROT:123", "SWAP:124", "TUCK:125", "CAT:126", "SUBSTR:127", "LEFT:128", "RIGHT:129", "SIZE:130",
      "INVERT:131", "AND:132", "OR:133", "XOR:134", "EQUAL:135", "EQUALVERIFY:136", "RESERVED1:137",
      "RESERVED2:138", "1ADD:139", "1SUB:140", "2MUL:141", "2DIV:142", "NEGATE:143", "ABS:144", "NOT:145",
      "0NOTEQUAL:146", "ADD:147", "SUB:148", "MUL:149", "DIV:150", "MOD:151", "LSHIFT:152", "RSHIFT:153",
      "BOOLAND:154", "BOOLOR:155", "NUMEQUAL:156", "NUMEQUALVERIFY:157", "NUMNOTEQUAL:158",
      "LESSTHAN:159", "GREATERTHAN:160", "LESSTHANOREQUAL:161", "GREATERTHANOREQUAL:162", "MIN:163",
      "MAX:164", "WITHIN:165", "RIPEMD160:166", "SHA1:167", "SHA256:168", "HASH160:169", "HASH256:170",
      "CODESEPARATOR:171", "CHECKSIG:172", "CHECKSIGVERIFY:173", "CHECKMULTISIG:174",
      "CHECKMULTISIGVERIFY:175", "NOP1:176", "CHECKLOCKTIMEVERIFY:177", "NOP2:177",
      "CHECKSEQUENCEVERIFY:178", "NOP3:178", "NOP4:179", "NOP5:180", "NOP6:181", "NOP7:182", "NOP8:183",
      "NOP9:184", "NOP10:185", "CHECKSIGADD:186", "INVALIDOPCODE:255"
    };
    for (String n : names) {
      int c = n.lastIndexOf(':');
      String name = n.substring(0, c);
      int code = Integer.parseInt(n.substring(c + 1));
      if (!name.matches("[0-9]+") || name.equals("0")) {
        OPCODES.put(name, code);
      }
      OPCODES.put("OP_" + name, code);
    }
  }

  private CoreScriptAsm() {}

  static Script parse(String asm) {
    ByteWriter w = new ByteWriter();
    for (String tok : asm.trim().split("\\s+")) {
      if (tok.isEmpty()) {
        continue;
      }
      if (tok.matches("-?[0-9]+")) {
        long v = Long.parseLong(tok);
        if (v == 0) {
          w.u8(0);
        } else if (v == -1 || (v >= 1 && v <= 16)) {
          w.u8(v == -1 ? 0x4f : 0x50 + (int) v);
        } else {
          Script.writePush(w, scriptNum(v));
        }
      } else if (tok.startsWith("0x") && tok.length() > 2) {
        w.bytes(Hex.decode(tok.substring(2)));
      } else if (tok.length() >= 2 && tok.startsWith("'") && tok.endsWith("'")) {
        byte[] data = tok.substring(1, tok.length() - 1).getBytes(StandardCharsets.US_ASCII);
        // Core pushes strings with the plain size prefix (no OP_n shortcut).
        if (data.length < 0x4c) {
          w.u8(data.length).bytes(data);
        } else {
          Script.writePush(w, data);
        }
      } else if (OPCODES.containsKey(tok)) {
        w.u8(OPCODES.get(tok));
      } else {
        throw new IllegalArgumentException("unknown script token " + tok);
      }
    }
    return Script.of(w.toByteArray());
  }

  private static byte[] scriptNum(long v) {
    boolean neg = v < 0;
    BigInteger abs = BigInteger.valueOf(Math.abs(v));
    byte[] be = abs.toByteArray();
    int start = be[0] == 0 ? 1 : 0;
    int len = be.length - start;
    byte[] le = new byte[len];
    for (int i = 0; i < len; i++) {
      le[i] = be[be.length - 1 - i];
    }
    if ((le[len - 1] & 0x80) != 0) {
      le = java.util.Arrays.copyOf(le, len + 1);
      le[len] = (byte) (neg ? 0x80 : 0);
    } else if (neg) {
      le[len - 1] |= (byte) 0x80;
    }
    return le;
  }
}
