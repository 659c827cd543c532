package io.medledger.anchor.ots;

import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The byte format of {@code .ots} files: a bounded reader and a writer. Stateless. */
final class OtsCodec {
  static final byte[] MAGIC = Hex.decode("004f70656e54696d657374616d7073000050726f6f6600bf89e2e884e89294");
  static final int MAJOR_VERSION = 1;

  private OtsCodec() {}

  static byte[] varuint(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("negative varuint");
    }
    byte[] tmp = new byte[10];
    int n = 0;
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      tmp[n++] = (byte) (value != 0 ? b | 0x80 : b);
    } while (value != 0);
    return Arrays.copyOf(tmp, n);
  }

  // ---- reading -------------------------------------------------------------------------------

  static OtsTimestamp read(byte[] bytes) {
    Reader r = new Reader(bytes, 0, bytes.length);
    byte[] magic = r.bytes(MAGIC.length, "magic header");
    if (!Arrays.equals(magic, MAGIC)) {
      throw new MalformedEncodingException("not an OpenTimestamps proof: bad magic header");
    }
    long version = r.varuint("major version");
    if (version != MAJOR_VERSION) {
      throw new MalformedEncodingException("unsupported major version " + version);
    }
    int tag = r.u8("file hash operation");
    OtsOperation op = operationFor(tag, r, true);
    OtsOperation.Hash hashOp = (OtsOperation.Hash) op;
    byte[] digest = r.bytes(hashOp.digestLength(), "file digest");
    OtsNode root = readNode(r, digest, 0);
    if (r.pos != r.end) {
      throw new MalformedEncodingException((r.end - r.pos) + " trailing bytes after the proof at offset " + r.pos);
    }
    return OtsTimestamp.trusted(hashOp, digest, root);
  }

  private static OtsNode readNode(Reader r, byte[] message, int depth) {
    List<OtsNode.Branch> branches = new ArrayList<>();
    int tag = r.u8("branch tag");
    while (tag == 0xff) {
      branches.add(readBranch(r, r.u8("branch tag"), message, depth));
      tag = r.u8("branch tag");
    }
    branches.add(readBranch(r, tag, message, depth));
    return OtsNode.of(branches);
  }

  private static OtsNode.Branch readBranch(Reader r, int tag, byte[] message, int depth) {
    if (tag == 0x00) {
      if (++r.attestations > OtsTimestamp.MAX_ATTESTATIONS) {
        throw new MalformedEncodingException("more than " + OtsTimestamp.MAX_ATTESTATIONS
            + " attestations in one proof, at offset " + (r.pos - 1));
      }
      return new OtsNode.Attested(readAttestation(r));
    }
    int at = r.pos - 1;
    OtsOperation op = operationFor(tag, r, false);
    byte[] result;
    try {
      result = op.apply(message);
    } catch (IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException(op.name() + " at offset " + at + ": " + e.getMessage(), e);
    }
    if (depth + 1 > OtsNode.MAX_DEPTH) {
      throw new MalformedEncodingException("proof tree deeper than " + OtsNode.MAX_DEPTH + " operations at offset " + at);
    }
    return new OtsNode.Step(op, readNode(r, result, depth + 1));
  }

  private static OtsOperation operationFor(int tag, Reader r, boolean fileHash) {
    switch (tag) {
      case 0x08:
        return OtsOperation.sha256();
      case 0x02:
        return OtsOperation.sha1();
      case 0x03:
        return OtsOperation.ripemd160();
      case 0x67:
        return OtsOperation.keccak256();
      default:
        break;
    }
    if (fileHash) {
      throw new MalformedEncodingException("unknown file hash operation tag 0x" + String.format("%02x", tag));
    }
    switch (tag) {
      case 0xf0:
        return OtsOperation.append(r.varbytes(OtsOperation.MAX_MESSAGE_LENGTH, 1, "append argument"));
      case 0xf1:
        return OtsOperation.prepend(r.varbytes(OtsOperation.MAX_MESSAGE_LENGTH, 1, "prepend argument"));
      case 0xf2:
        return new OtsOperation.OpReverse();
      case 0xf3:
        return new OtsOperation.OpHexlify();
      default:
        throw new MalformedEncodingException(
            "unknown operation tag 0x" + String.format("%02x", tag) + " at offset " + (r.pos - 1));
    }
  }

  private static OtsAttestation readAttestation(Reader r) {
    byte[] tag = r.bytes(OtsAttestation.TAG_LENGTH, "attestation tag");
    int payloadStart = r.pos;
    byte[] payload = r.varbytes(OtsAttestation.MAX_PAYLOAD_LENGTH, 0, "attestation payload");
    Reader p = new Reader(payload, 0, payload.length);
    OtsAttestation a;
    try {
      if (Arrays.equals(tag, OtsAttestation.Bitcoin.TAG)) {
        a = new OtsAttestation.Bitcoin(p.varuint("block height"));
      } else if (Arrays.equals(tag, OtsAttestation.Litecoin.TAG)) {
        a = new OtsAttestation.Litecoin(p.varuint("block height"));
      } else if (Arrays.equals(tag, OtsAttestation.Ethereum.TAG)) {
        a = new OtsAttestation.Ethereum(p.varuint("block height"));
      } else if (Arrays.equals(tag, OtsAttestation.Pending.TAG)) {
        byte[] uri = p.varbytes(OtsAttestation.MAX_URI_LENGTH, 0, "calendar URI");
        a = new OtsAttestation.Pending(StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(uri)).toString());
      } else {
        return new OtsAttestation.Unknown(tag, payload);
      }
    } catch (CharacterCodingException | IllegalArgumentException | MalformedEncodingException e) {
      throw new MalformedEncodingException("attestation payload at offset " + payloadStart + ": " + e.getMessage(), e);
    }
    if (p.pos != p.end) {
      throw new MalformedEncodingException("attestation payload at offset " + payloadStart + " has "
          + (p.end - p.pos) + " trailing bytes");
    }
    return a;
  }

  /** A bounds-checked cursor; every length is checked before anything is allocated. */
  private static final class Reader {
    private final byte[] buf;
    private final int end;
    private int pos;
    /** Attestations read so far. */
    private int attestations;

    Reader(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    int u8(String what) {
      if (pos >= end) {
        throw new MalformedEncodingException("truncated proof: " + what + " expected at offset " + pos);
      }
      return buf[pos++] & 0xff;
    }

    long varuint(String what) {
      long value = 0;
      for (int shift = 0; ; shift += 7) {
        int b = u8(what);
        if (shift == 63) {
          if (b != 0) {
            throw new MalformedEncodingException(what + " does not fit in 63 bits");
          }
          return value;
        }
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          if (b == 0 && shift > 0) {
            throw new MalformedEncodingException(what + " is not minimally encoded");
          }
          return value;
        }
      }
    }

    byte[] bytes(int n, String what) {
      if (end - pos < n) {
        throw new MalformedEncodingException("truncated proof: " + what + " needs " + n + " bytes at offset " + pos);
      }
      byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return out;
    }

    byte[] varbytes(int max, int min, String what) {
      long n = varuint(what + " length");
      if (n > max || n < min) {
        throw new MalformedEncodingException(what + " length " + n + " outside " + min + ".." + max);
      }
      return bytes((int) n, what);
    }
  }

  // ---- writing -------------------------------------------------------------------------------

  static byte[] write(OtsTimestamp t) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(MAGIC);
    out.writeBytes(varuint(MAJOR_VERSION));
    out.write(t.fileHashOp().tag());
    out.writeBytes(t.fileDigest());
    writeNode(out, t.root());
    return out.toByteArray();
  }

  private static void writeNode(ByteArrayOutputStream out, OtsNode node) {
    List<OtsNode.Branch> bs = node.branches();
    for (int i = 0; i < bs.size(); i++) {
      if (i < bs.size() - 1) {
        out.write(0xff);
      }
      OtsNode.Branch b = bs.get(i);
      if (b instanceof OtsNode.Attested a) {
        out.write(0x00);
        out.writeBytes(a.attestation().tag());
        byte[] payload = a.attestation().payload();
        out.writeBytes(varuint(payload.length));
        out.writeBytes(payload);
      } else {
        OtsNode.Step s = (OtsNode.Step) b;
        OtsOperation op = s.operation();
        out.write(op.tag());
        if (op instanceof OtsOperation.OpAppend ap) {
          byte[] arg = ap.argumentUnsafe();
          out.writeBytes(varuint(arg.length));
          out.writeBytes(arg);
        } else if (op instanceof OtsOperation.OpPrepend pp) {
          byte[] arg = pp.argumentUnsafe();
          out.writeBytes(varuint(arg.length));
          out.writeBytes(arg);
        }
        writeNode(out, s.next());
      }
    }
  }
}
