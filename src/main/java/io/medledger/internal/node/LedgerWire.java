package io.medledger.internal.node;

import io.medledger.access.InstitutionClass;
import io.medledger.access.Participant;
import io.medledger.access.ParticipantId;
import io.medledger.access.ParticipantKind;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The encoding of the remote ledger requests (ClientWire codes 16-63) and their responses: a
 * writer of big-endian fields and a reader that checks every length against a stated bound before
 * allocating and refuses trailing bytes. Request bodies follow the type byte; response bodies
 * follow the {@link ClientWire#OK} byte. A refusal is {@link ClientWire#REFUSED} with a cause;
 * {@link #DENIED} carries the ordinal of the missing access right and a reason; {@link #ERASED}
 * the id of an erased record. Not thread-safe (one writer or reader per message).
 */
public final class LedgerWire {
  /** Response status: refused for a missing access right (u8 right ordinal, UTF-8 reason). */
  public static final byte DENIED = 2;
  /** Response status: the record (32-byte id follows) is erased. */
  public static final byte ERASED = 3;
  /** Longest reason or name string on the wire, in bytes. */
  public static final int MAX_STRING = 4096;
  /** Set in a key card's kind byte when a research key follows its verifying key. */
  public static final int CARD_RESEARCH = 0x80;

  private LedgerWire() {}

  /** A message under construction. */
  public static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A message starting with {@code first} (a request type or a response status). */
    public Writer(byte first) {
      out.write(first);
    }

    /** Appends a byte. */
    public Writer u8(int v) {
      out.write(v);
      return this;
    }

    /** Appends a boolean as one byte. */
    public Writer bool(boolean v) {
      out.write(v ? 1 : 0);
      return this;
    }

    /** Appends a big-endian u16. */
    public Writer u16(int v) {
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    /** Appends a big-endian 32-bit int. */
    public Writer i32(int v) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
      return this;
    }

    /** Appends a big-endian 64-bit long. */
    public Writer i64(long v) {
      out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
      return this;
    }

    /** Appends a digest (32 bytes). */
    public Writer digest(Digest d) {
      out.writeBytes(d.toByteArray());
      return this;
    }

    /** Appends a participant id (32 bytes). */
    public Writer id(ParticipantId p) {
      return digest(p.digest());
    }

    /** Appends a u32 length and the bytes. */
    public Writer bytes(byte[] b) {
      i32(b.length);
      out.writeBytes(b);
      return this;
    }

    /** Appends a UTF-8 string with a u16 length, cut to {@link #MAX_STRING} bytes. */
    public Writer string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > MAX_STRING) {
        b = java.util.Arrays.copyOf(b, MAX_STRING);
      }
      u16(b.length);
      out.writeBytes(b);
      return this;
    }

    /** Appends a presence byte and, when present, the id. */
    public Writer optionalId(Optional<ParticipantId> p) {
      bool(p.isPresent());
      p.ifPresent(this::id);
      return this;
    }

    /** Appends a presence byte and, when present, the long. */
    public Writer optionalLong(OptionalLong v) {
      bool(v.isPresent());
      v.ifPresent(this::i64);
      return this;
    }

    /** Appends a participant. */
    public Writer participant(Participant p) {
      u8(p.kind().ordinal());
      out.writeBytes(p.publicKey().toBytes());
      optionalId(p.affiliation());
      bool(p.institutionClass().isPresent());
      p.institutionClass().ifPresent(c -> string(c.code()));
      i64(p.registeredAt());
      return bool(p.active());
    }

    /**
     * Appends a key card (kind, Ed25519 key, two Umbral keys, the research key if any, signature);
     * a card with a research key sets {@link #CARD_RESEARCH} in the kind byte, so a card without
     * one is written as before research keys.
     */
    public Writer card(io.medledger.client.KeyCard c) {
      u8(c.kind().ordinal() | (c.researchKey().isPresent() ? CARD_RESEARCH : 0));
      out.writeBytes(c.signingKey().toBytes());
      out.writeBytes(c.encryptionKey().toBytes());
      out.writeBytes(c.verifyingKey().toBytes());
      c.researchKey().ifPresent(r -> out.writeBytes(r.toBytes()));
      return bytes(c.signature().toByteArray());
    }

    /** The message. */
    public byte[] toBytes() {
      return out.toByteArray();
    }
  }

  /** A reader over one message, from {@code offset} (after the type or status byte). */
  public static final class Reader {
    private final ByteBuffer b;

    /** Reads {@code message} from {@code offset}. */
    public Reader(byte[] message, int offset) {
      if (offset > message.length) {
        throw new MalformedEncodingException("empty message");
      }
      this.b = ByteBuffer.wrap(message, offset, message.length - offset);
    }

    private <T> T guard(java.util.function.Supplier<T> s) {
      try {
        return s.get();
      } catch (BufferUnderflowException e) {
        throw new MalformedEncodingException("truncated message");
      }
    }

    /** A byte, unsigned. */
    public int u8() {
      return guard(() -> b.get() & 0xff);
    }

    /** A boolean byte (0 or 1). */
    public boolean bool() {
      int v = u8();
      if (v > 1) {
        throw new MalformedEncodingException("boolean byte " + v);
      }
      return v == 1;
    }

    /** A u16. */
    public int u16() {
      return guard(() -> b.getShort() & 0xffff);
    }

    /** A 32-bit int. */
    public int i32() {
      return guard(b::getInt);
    }

    /** A 64-bit long. */
    public long i64() {
      return guard(b::getLong);
    }

    /** A digest. */
    public Digest digest() {
      byte[] d = raw(32);
      return Digest.of(d);
    }

    /** A participant id. */
    public ParticipantId id() {
      return ParticipantId.fromDigest(digest());
    }

    /** {@code n} raw bytes. */
    public byte[] raw(int n) {
      if (n < 0 || n > b.remaining()) {
        throw new MalformedEncodingException("truncated message");
      }
      byte[] out = new byte[n];
      b.get(out);
      return out;
    }

    /** Length-prefixed bytes of at most {@code max} bytes. */
    public byte[] bytes(int max) {
      int n = i32();
      if (n < 0 || n > max) {
        throw new MalformedEncodingException("field of " + n + " bytes exceeds " + max);
      }
      return raw(n);
    }

    /** A string of at most {@link #MAX_STRING} bytes. */
    public String string() {
      int n = u16();
      if (n > MAX_STRING) {
        throw new MalformedEncodingException("string of " + n + " bytes");
      }
      return new String(raw(n), StandardCharsets.UTF_8);
    }

    /** An optional id. */
    public Optional<ParticipantId> optionalId() {
      return bool() ? Optional.of(id()) : Optional.empty();
    }

    /** An optional long. */
    public OptionalLong optionalLong() {
      return bool() ? OptionalLong.of(i64()) : OptionalLong.empty();
    }

    /** An enum constant by ordinal. */
    public <E extends Enum<E>> E constant(E[] values) {
      int v = u8();
      if (v >= values.length) {
        throw new MalformedEncodingException("unknown code " + v);
      }
      return values[v];
    }

    /** A participant. */
    public Participant participant() {
      ParticipantKind kind = constant(ParticipantKind.values());
      Ed25519PublicKey key = Ed25519PublicKey.fromBytes(raw(32));
      Optional<ParticipantId> aff = optionalId();
      try {
        Optional<InstitutionClass> cls = bool() ? Optional.of(new InstitutionClass(string())) : Optional.empty();
        long at = i64();
        boolean active = bool();
        return new Participant(kind, key, aff, cls, at, active);
      } catch (IllegalArgumentException e) {
        throw new MalformedEncodingException("participant: " + e.getMessage());
      }
    }

    /** A key card (its signature is not checked here). */
    public io.medledger.client.KeyCard card() {
      int k = u8();
      boolean research = (k & CARD_RESEARCH) != 0;
      if ((k & ~CARD_RESEARCH) >= ParticipantKind.values().length) {
        throw new MalformedEncodingException("unknown code " + (k & ~CARD_RESEARCH));
      }
      ParticipantKind kind = ParticipantKind.values()[k & ~CARD_RESEARCH];
      Ed25519PublicKey key = Ed25519PublicKey.fromBytes(raw(32));
      byte[] enc = raw(33);
      byte[] ver = raw(33);
      byte[] rk = research ? raw(33) : null;
      byte[] sig = bytes(64);
      try {
        return new io.medledger.client.KeyCard(kind, key, io.medledger.pre.PublicKey.fromBytes(enc),
            io.medledger.pre.PublicKey.fromBytes(ver),
            research ? Optional.of(io.medledger.pre.PublicKey.fromBytes(rk)) : Optional.empty(),
            io.medledger.codec.ByteString.of(sig));
      } catch (IllegalArgumentException e) {
        throw new MalformedEncodingException("key card: " + e.getMessage());
      }
    }

    /** Bytes left. */
    public int remaining() {
      return b.remaining();
    }

    /** Checks that the whole message was read. @throws MalformedEncodingException on trailing bytes */
    public void end() {
      if (b.hasRemaining()) {
        throw new MalformedEncodingException(b.remaining() + " trailing bytes");
      }
    }
  }
}
