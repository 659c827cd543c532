package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.nio.ByteBuffer;

/**
 * The storage service's requests on a node's client endpoint (type codes 64 to 79 of
 * {@link ClientWire}). A payload moves in chunks over a session the node keeps per client:
 *
 * <ul>
 *   <li>{@code PUT_OPEN} u64 length (-1: not known, bounded by the node's largest blob): OK u64
 *       session, u64 length. {@code PUT_CHUNK} u64 session, u64 offset (the
 *       bytes so far), the bytes: OK. {@code PUT_COMMIT} u64 session, 32-byte id: OK once the bytes
 *       hashed to the id and are durable. {@code PUT_ABORT} u64 session: OK.
 *   <li>{@code GET_OPEN} 32-byte id: OK u64 session, u64 length, after the node hashed its whole
 *       copy. {@code GET_CHUNK} u64 session, u64 offset, u32 most bytes: OK and the bytes (the
 *       session ends with the last byte). {@code GET_CLOSE} u64 session: OK.
 *   <li>{@code CHECK} 32-byte id: OK u8 state (0 present, 1 missing, 2 corrupt), the node hashing
 *       its copy.
 *   <li>{@code DELETE} 32-byte id, 32-byte record id: OK u8 (1 if a copy existed), only if a final
 *       erasure of that record, whose payload the id is, is on the node's ledger.
 *   <li>{@code PUT_COMMIT_SIGNED} as {@code PUT_COMMIT}, and {@code DELETE_SIGNED} as
 *       {@code DELETE}: OK and the node's signed {@link io.medledger.storage.StorageReceipt}
 *       (its encoding, at most {@link io.medledger.storage.StorageReceipt#MAX_ENCODED_BYTES}). Added
 *       after the first storage release as new codes, so that an older node refuses them (an
 *       unknown type) rather than answering unsigned; a client of this build sends only these, and
 *       the node still serves {@code PUT_COMMIT} and {@code DELETE} to older clients.
 * </ul>
 *
 * A refusal is {@link ClientWire#REFUSED}, a {@link Refusal} code and a UTF-8 reason. Decoders check
 * lengths exactly. Stateless; thread-safe.
 */
public final class StorageWire {
  /** Opens an upload. */
  public static final byte PUT_OPEN = 64;
  /** Sends the next bytes of an upload. */
  public static final byte PUT_CHUNK = 65;
  /** Ends an upload: verify, make durable, acknowledge. */
  public static final byte PUT_COMMIT = 66;
  /** Drops an upload. */
  public static final byte PUT_ABORT = 67;
  /** Opens a verified copy for reading. */
  public static final byte GET_OPEN = 68;
  /** Reads the next bytes of an open copy. */
  public static final byte GET_CHUNK = 69;
  /** Closes a read session before its end. */
  public static final byte GET_CLOSE = 70;
  /** Asks whether the node holds a verified copy. */
  public static final byte CHECK = 71;
  /** Deletes the copy of an erased record's payload. */
  public static final byte DELETE = 72;
  /** Ends an upload as {@link #PUT_COMMIT}, answered with a signed receipt. */
  public static final byte PUT_COMMIT_SIGNED = 73;
  /** Deletes as {@link #DELETE}, answered with a signed receipt. */
  public static final byte DELETE_SIGNED = 74;
  /** Lowest type code of the storage service. */
  public static final int FIRST = 64;
  /** Highest type code reserved for the storage service. */
  public static final int LAST = 79;

  /** Why the storage service refused a request. */
  public enum Refusal {
    /** Unused (code 0). */
    NONE,
    /** The client's participant kind may not do this. */
    NOT_ALLOWED,
    /** A per-client or node-wide bound: sessions, size, disk. */
    QUOTA,
    /** The node holds no copy. */
    NOT_FOUND,
    /** The node's copy, or the bytes uploaded, do not hash to the id. */
    CORRUPT,
    /** The request does not fit the session (unknown session, wrong offset or length). */
    BAD_SESSION,
    /** No final erasure of the record, or the id is not its payload. */
    NOT_ERASED,
    /** The node could not read or write its disk, or is too busy. */
    UNAVAILABLE;

    /** The refusal of code {@code c} (UNAVAILABLE for unknown codes). */
    public static Refusal of(int c) {
      return c > 0 && c < values().length ? values()[c] : UNAVAILABLE;
    }
  }

  private StorageWire() {}

  /** True if {@code type} is one of the storage service's codes. */
  public static boolean isStorage(byte type) {
    return type >= FIRST && type <= LAST;
  }

  /** True if {@code type} is part of an upload, which only writers may send. */
  public static boolean isUpload(byte type) {
    return type >= PUT_OPEN && type <= PUT_ABORT || type == PUT_COMMIT_SIGNED;
  }

  /** True if {@code type} is a deletion, which the node checks against its ledger and not the client's kind. */
  public static boolean isDelete(byte type) {
    return type == DELETE || type == DELETE_SIGNED;
  }

  /** A request of {@code type} with a u64 then a u64. */
  public static byte[] longs(byte type, long... values) {
    ByteBuffer b = ByteBuffer.allocate(1 + 8 * values.length).put(type);
    for (long v : values) {
      b.putLong(v);
    }
    return b.array();
  }

  /** A PUT_CHUNK request. */
  public static byte[] putChunk(long session, long offset, byte[] data, int off, int len) {
    return ByteBuffer.allocate(17 + len).put(PUT_CHUNK).putLong(session).putLong(offset).put(data, off, len).array();
  }

  /** A PUT_COMMIT request. */
  public static byte[] putCommit(long session, Digest id) {
    return putCommit(PUT_COMMIT, session, id);
  }

  /** A PUT_COMMIT or PUT_COMMIT_SIGNED request. */
  public static byte[] putCommit(byte type, long session, Digest id) {
    return ByteBuffer.allocate(41).put(type).putLong(session).put(id.toByteArray()).array();
  }

  /** A GET_CHUNK request. */
  public static byte[] getChunk(long session, long offset, int max) {
    return ByteBuffer.allocate(21).put(GET_CHUNK).putLong(session).putLong(offset).putInt(max).array();
  }

  /** A request of {@code type} carrying ids (GET_OPEN, CHECK: one; DELETE: the payload and the record). */
  public static byte[] ids(byte type, Digest... ids) {
    ByteBuffer b = ByteBuffer.allocate(1 + 32 * ids.length).put(type);
    for (Digest d : ids) {
      b.put(d.toByteArray());
    }
    return b.array();
  }

  /**
   * Checks that {@code request} is exactly its type byte and {@code bodyLength} more bytes, or at
   * least that many when {@code orMore}.
   *
   * @throws MalformedEncodingException otherwise
   */
  public static ByteBuffer body(byte[] request, int bodyLength, boolean orMore) {
    if (orMore ? request.length < 1 + bodyLength : request.length != 1 + bodyLength) {
      throw new MalformedEncodingException("storage request of type " + request[0] + " has the wrong length");
    }
    return ByteBuffer.wrap(request, 1, request.length - 1);
  }

  /** Reads a 32-byte id from {@code b}. */
  public static Digest digest(ByteBuffer b) {
    byte[] d = new byte[32];
    b.get(d);
    return Digest.of(d);
  }

  /** An OK response with u64 values. */
  public static byte[] okLongs(long... values) {
    ByteBuffer b = ByteBuffer.allocate(1 + 8 * values.length).put(ClientWire.OK);
    for (long v : values) {
      b.putLong(v);
    }
    return b.array();
  }

  /** A refusal. */
  public static byte[] refused(Refusal why, String reason) {
    return ClientWire.refused(why.ordinal(), reason);
  }
}
