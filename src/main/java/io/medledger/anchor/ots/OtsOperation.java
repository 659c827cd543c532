package io.medledger.anchor.ots;

import io.medledger.codec.Hex;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.digests.RIPEMD160Digest;

/**
 * One operation of an OpenTimestamps proof: it maps the current message to the next one. The
 * family is closed: the four hashes, {@link OpAppend}, {@link OpPrepend}, {@link OpReverse} and
 * {@link OpHexlify}, with the tags and limits of the {@code .ots} format (messages and results
 * at most {@value #MAX_MESSAGE_LENGTH} bytes, arguments 1..{@value #MAX_MESSAGE_LENGTH} bytes).
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface OtsOperation
    permits OtsOperation.Hash, OtsOperation.OpAppend, OtsOperation.OpPrepend, OtsOperation.OpReverse, OtsOperation.OpHexlify {
  /** Longest message an operation accepts or produces, in bytes. */
  int MAX_MESSAGE_LENGTH = 4096;

  /** The one-byte tag of the operation in the format. */
  int tag();

  /** The operation's name as the reference client prints it, e.g. {@code sha256}, {@code append}. */
  String name();

  /**
   * Applies the operation.
   *
   * @throws IllegalArgumentException if the message or result breaks the format's limits
   */
  byte[] apply(byte[] message);

  /** The SHA-256 operation. */
  static OpSha256 sha256() {
    return new OpSha256();
  }

  /** The SHA-1 operation (kept for old proofs; SHA-1 is broken for collisions). */
  static OpSha1 sha1() {
    return new OpSha1();
  }

  /** The RIPEMD-160 operation. */
  static OpRipemd160 ripemd160() {
    return new OpRipemd160();
  }

  /** The Keccak-256 operation (original Keccak padding, as Ethereum uses). */
  static OpKeccak256 keccak256() {
    return new OpKeccak256();
  }

  /** Appends {@code suffix} (1..4096 bytes, copied). */
  static OpAppend append(byte[] suffix) {
    return new OpAppend(suffix);
  }

  /** Prepends {@code prefix} (1..4096 bytes, copied). */
  static OpPrepend prepend(byte[] prefix) {
    return new OpPrepend(prefix);
  }

  /** The hash operations: each can also be a proof's file hash operation. */
  sealed interface Hash extends OtsOperation permits OpSha256, OpSha1, OpRipemd160, OpKeccak256 {
    /** Length of the hash output in bytes. */
    int digestLength();

    /** A fresh incremental hasher for this function (used to hash whole files). */
    Hasher newHasher();
  }

  /** An incremental hash computation. Not thread-safe. */
  interface Hasher {
    /** Feeds bytes. */
    void update(byte[] data, int off, int len);

    /** Finishes and returns the hash. */
    byte[] digest();
  }

  /** SHA-256, tag {@code 08}, 32-byte result. */
  record OpSha256() implements Hash {
    @Override
    public int tag() {
      return 0x08;
    }

    @Override
    public String name() {
      return "sha256";
    }

    @Override
    public int digestLength() {
      return 32;
    }

    @Override
    public byte[] apply(byte[] message) {
      Ops.checkInput(message);
      return io.medledger.crypto.Sha256.hash(message).toByteArray();
    }

    @Override
    public Hasher newHasher() {
      return Ops.jdk("SHA-256");
    }
  }

  /** SHA-1, tag {@code 02}, 20-byte result. */
  record OpSha1() implements Hash {
    @Override
    public int tag() {
      return 0x02;
    }

    @Override
    public String name() {
      return "sha1";
    }

    @Override
    public int digestLength() {
      return 20;
    }

    @Override
    public byte[] apply(byte[] message) {
      Ops.checkInput(message);
      Hasher h = newHasher();
      h.update(message, 0, message.length);
      return h.digest();
    }

    @Override
    public Hasher newHasher() {
      return Ops.jdk("SHA-1");
    }
  }

  /** RIPEMD-160, tag {@code 03}, 20-byte result. */
  record OpRipemd160() implements Hash {
    @Override
    public int tag() {
      return 0x03;
    }

    @Override
    public String name() {
      return "ripemd160";
    }

    @Override
    public int digestLength() {
      return 20;
    }

    @Override
    public byte[] apply(byte[] message) {
      Ops.checkInput(message);
      Hasher h = newHasher();
      h.update(message, 0, message.length);
      return h.digest();
    }

    @Override
    public Hasher newHasher() {
      return Ops.bc(new RIPEMD160Digest());
    }
  }

  /** Keccak-256, tag {@code 67}, 32-byte result. */
  record OpKeccak256() implements Hash {
    @Override
    public int tag() {
      return 0x67;
    }

    @Override
    public String name() {
      return "keccak256";
    }

    @Override
    public int digestLength() {
      return 32;
    }

    @Override
    public byte[] apply(byte[] message) {
      Ops.checkInput(message);
      Hasher h = newHasher();
      h.update(message, 0, message.length);
      return h.digest();
    }

    @Override
    public Hasher newHasher() {
      return Ops.bc(new KeccakDigest(256));
    }
  }

  /**
   * Appends an argument, tag {@code f0}.
   *
   * @param argument the suffix (1..4096 bytes; the accessor returns a copy)
   */
  record OpAppend(byte[] argument) implements OtsOperation {
    /** Validates and copies the argument. */
    public OpAppend {
      argument = Ops.checkArgument(argument);
    }

    @Override
    public byte[] argument() {
      return argument.clone();
    }

    @Override
    public int tag() {
      return 0xf0;
    }

    @Override
    public String name() {
      return "append";
    }

    @Override
    public byte[] apply(byte[] message) {
      Ops.checkInput(message);
      byte[] out = Arrays.copyOf(message, Ops.checkResult(message.length + argument.length));
      System.arraycopy(argument, 0, out, message.length, argument.length);
      return out;
    }

    byte[] argumentUnsafe() {
      return argument;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof OpAppend a && Arrays.equals(argument, a.argument);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(argument);
    }

    @Override
    public String toString() {
      return "append " + Hex.encode(argument);
    }
  }

  /**
   * Prepends an argument, tag {@code f1}.
   *
   * @param argument the prefix (1..4096 bytes; the accessor returns a copy)
   */
  record OpPrepend(byte[] argument) implements OtsOperation {
    /** Validates and copies the argument. */
    public OpPrepend {
      argument = Ops.checkArgument(argument);
    }

    @Override
    public byte[] argument() {
      return argument.clone();
    }

    @Override
    public int tag() {
      return 0xf1;
    }

    @Override
    public String name() {
      return "prepend";
    }

    @Override
    public byte[] apply(byte[] message) {
      Ops.checkInput(message);
      byte[] out = new byte[Ops.checkResult(message.length + argument.length)];
      System.arraycopy(argument, 0, out, 0, argument.length);
      System.arraycopy(message, 0, out, argument.length, message.length);
      return out;
    }

    byte[] argumentUnsafe() {
      return argument;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof OpPrepend p && Arrays.equals(argument, p.argument);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(argument);
    }

    @Override
    public String toString() {
      return "prepend " + Hex.encode(argument);
    }
  }

  /** Reverses the bytes of the message, tag {@code f2} (deprecated upstream; read for old proofs). */
  record OpReverse() implements OtsOperation {
    @Override
    public int tag() {
      return 0xf2;
    }

    @Override
    public String name() {
      return "reverse";
    }

    @Override
    public byte[] apply(byte[] message) {
      Ops.checkInput(message);
      if (message.length == 0) {
        throw new IllegalArgumentException("reverse of an empty message");
      }
      byte[] out = new byte[message.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = message[message.length - 1 - i];
      }
      return out;
    }
  }

  /** Lower-case hex of the message as ASCII, tag {@code f3}; input 1..2048 bytes. */
  record OpHexlify() implements OtsOperation {
    @Override
    public int tag() {
      return 0xf3;
    }

    @Override
    public String name() {
      return "hexlify";
    }

    @Override
    public byte[] apply(byte[] message) {
      Ops.checkInput(message);
      if (message.length == 0 || message.length > MAX_MESSAGE_LENGTH / 2) {
        throw new IllegalArgumentException("hexlify needs a message of 1.." + MAX_MESSAGE_LENGTH / 2 + " bytes");
      }
      return Hex.encode(message).getBytes(StandardCharsets.US_ASCII);
    }
  }
}
