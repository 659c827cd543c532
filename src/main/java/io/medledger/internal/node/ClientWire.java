package io.medledger.internal.node;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client request/response encoding of a node's client endpoint. A request is one type byte
 * and its body: {@code SUBMIT} an encoded entry; {@code STATUS} nothing; {@code CONTAINS} a u32
 * count and that many 32-byte entry ids. A response is one status byte ({@code OK} or
 * {@code REFUSED}) and its body: for SUBMIT, u64 height and the 32-byte block hash, or a u8 cause
 * and a UTF-8 reason; for STATUS, UTF-8 JSON; for CONTAINS, the bitmap of present ids (bit i of
 * byte i/8, least significant first). Decoders check every length before allocating. Stateless;
 * thread-safe. Storage service requests (codes 64 to 79) are in {@link StorageWire}.
 */
public final class ClientWire {
  /** Submit an entry. */
  public static final byte SUBMIT = 1;
  /** Ask for the node status. */
  public static final byte STATUS = 2;
  /** Ask which entry ids are on the ledger. */
  public static final byte CONTAINS = 3;
  /** Success. */
  public static final byte OK = 0;
  /** Refusal, with a cause and a reason. */
  public static final byte REFUSED = 1;
  /** Request type: the latest checkpoint, the servers' note key bindings, and an entry's inclusion proof. */
  public static final byte CHECKPOINT = 4;
  // Remote ledger and proxy requests (16-63), encoded with LedgerWire and served by node.LedgerRequests.
  /** The chain: its name, id and consensus protocol. */
  public static final byte CHAIN = 16;
  /** The tip height. */
  public static final byte HEIGHT = 17;
  /** A certified block by height (u64). */
  public static final byte BLOCK = 18;
  /** A final entry by id. */
  public static final byte ENTRY = 19;
  /** Where a final entry is (height, index in block, ledger index). */
  public static final byte LOCATE = 20;
  /** A participant by id. */
  public static final byte PARTICIPANT = 21;
  /** Whether a grant is active at a time (id, i64 time). */
  public static final byte GRANT_ACTIVE = 22;
  /** Whether a record is erased. */
  public static final byte IS_ERASED = 23;
  /** A page of records matching a query. */
  public static final byte RECORDS = 24;
  /** A page of grants made by a patient. */
  public static final byte GRANTS_BY_PATIENT = 25;
  /** A page of grants received by a grantee. */
  public static final byte GRANTS_BY_GRANTEE = 26;
  /** A page of access events on a patient's records. */
  public static final byte EVENTS_BY_PATIENT = 27;
  /**
   * One page of a patient's history: the patient's id and a page request (cursor, limit, proofs
   * flag, ignored); the answer is the page's encoding ({@code chain.PatientHistoryPage}).
   */
  public static final byte PATIENT_HISTORY = 28;
  /** The node's tip hash. */
  public static final byte TIP = 29;
  /** A published key card by participant id. */
  public static final byte KEY_CARD = 30;
  /** Publishes a self-signed key card. */
  public static final byte PUBLISH_KEY_CARD = 31;
  /** The proxies' keys and the re-encryption threshold. */
  public static final byte PROXIES = 32;
  /** Re-encrypt for a final access event (this node's proxy). */
  public static final byte REENCRYPT = 33;
  /** Whether this node's proxy holds a grant's key fragment, or why not. */
  public static final byte FRAGMENT = 34;
  /** Whether a final revocation names a grant (id). */
  public static final byte GRANT_REVOKED = 35;
  /** The key publication in force of a participant (id), with its place on the ledger. */
  public static final byte PUBLISHED_KEYS = 36;
  /**
   * The heights of the blocks that changed the consensus membership in a range: the request carries
   * {@code from} and {@code to} (i64 each); the answer, u16 n, n ascending i64 heights (at most
   * {@link #MAX_MEMBERSHIP_CHANGES}), then the i64 height the answer covers through.
   */
  public static final byte MEMBERSHIP_CHANGES = 37;
  /** Most heights in one MEMBERSHIP_CHANGES answer. */
  public static final int MAX_MEMBERSHIP_CHANGES = 1024;
  /**
   * Block headers downward: the request carries a height {@code k} and a count {@code n} (i64, u16);
   * the answer, u16 m and m length-prefixed header encodings, of blocks {@code k}, {@code k - 1},
   * ... (1 &le; m &le; n, at most {@link #MAX_HEADERS} and {@link #MAX_HEADERS_BYTES} bytes of
   * headers, never below genesis). What a pinned client reads its chain back by.
   */
  public static final byte HEADERS = 38;
  /** Most headers in one HEADERS answer. */
  public static final int MAX_HEADERS = 1024;
  /** Most header bytes in one HEADERS answer (a node with a smaller frame cap sends fewer). */
  public static final int MAX_HEADERS_BYTES = 1 << 20;
  /** Largest encoding of one header in a HEADERS answer. */
  public static final int MAX_HEADER_BYTES = 8192;
  /** Lowest code of the remote ledger requests. */
  public static final int LEDGER_FIRST = 16;
  /** Highest code of the remote ledger requests. */
  public static final int LEDGER_LAST = 63;
  /**
   * Request type (anchoring range 80-95): the anchor receipt of one entry. The body is the 32-byte
   * entry id; the response body is one byte, 0 for no receipt yet or 1 followed by the receipt's
   * UTF-8 JSON.
   */
  public static final byte RECEIPT = 80;
  /** Largest receipt JSON in a RECEIPT response. */
  public static final int MAX_RECEIPT_BYTES = 8 << 20;
  /** Most note key bindings in a CHECKPOINT response. */
  public static final int MAX_BINDINGS = 1024;
  /** Most ids one CONTAINS request may carry. */
  public static final int MAX_IDS = 100_000;

  private ClientWire() {}

  /** A SUBMIT request. */
  public static byte[] submit(byte[] entry) {
    byte[] b = new byte[entry.length + 1];
    b[0] = SUBMIT;
    System.arraycopy(entry, 0, b, 1, entry.length);
    return b;
  }

  /** A CONTAINS request. */
  public static byte[] contains(List<Digest> ids) {
    if (ids.size() > MAX_IDS) {
      throw new IllegalArgumentException("at most " + MAX_IDS + " ids per request");
    }
    ByteBuffer b = ByteBuffer.allocate(5 + 32 * ids.size());
    b.put(CONTAINS).putInt(ids.size());
    ids.forEach(d -> b.put(d.toByteArray()));
    return b.array();
  }

  /** The ids of a CONTAINS request body (after the type byte). */
  public static List<Digest> containsIds(byte[] request) {
    if (request.length < 5) {
      throw new MalformedEncodingException("truncated contains request");
    }
    int n = ByteBuffer.wrap(request, 1, 4).getInt();
    if (n < 0 || n > MAX_IDS || request.length != 5 + 32L * n) {
      throw new MalformedEncodingException("contains request length does not match its count");
    }
    List<Digest> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(Digest.of(request, 5 + 32 * i));
    }
    return ids;
  }

  /** A CHECKPOINT request, for entry {@code id} if given. */
  public static byte[] checkpoint(java.util.Optional<Digest> id) {
    ByteBuffer b = ByteBuffer.allocate(id.isPresent() ? 34 : 2).put(CHECKPOINT).put((byte) (id.isPresent() ? 1 : 0));
    id.ifPresent(d -> b.put(d.toByteArray()));
    return b.array();
  }

  /** The entry id of a CHECKPOINT request, if any. */
  public static java.util.Optional<Digest> checkpointId(byte[] request) {
    if (request.length == 2 && request[1] == 0) {
      return java.util.Optional.empty();
    }
    if (request.length == 34 && request[1] == 1) {
      return java.util.Optional.of(Digest.of(request, 2));
    }
    throw new MalformedEncodingException("malformed checkpoint request");
  }

  /**
   * The body of a CHECKPOINT response: the note, the binding lines, and the inclusion proof
   * (leaf index, tree size, path) if any.
   */
  public static byte[] checkpointBody(byte[] note, List<String> bindings, io.medledger.merkle.InclusionProof proof) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream d = new java.io.DataOutputStream(out);
    try {
      d.writeInt(note.length);
      d.write(note);
      d.writeShort(bindings.size());
      for (String b : bindings) {
        byte[] t = b.getBytes(StandardCharsets.UTF_8);
        d.writeShort(t.length);
        d.write(t);
      }
      d.writeBoolean(proof != null);
      if (proof != null) {
        d.writeLong(proof.leafIndex());
        d.writeLong(proof.treeSize());
        d.writeByte(proof.path().size());
        for (Digest h : proof.path()) {
          d.write(h.toByteArray());
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A decoded CHECKPOINT response body (unverified). */
  public record CheckpointBody(byte[] note, List<String> bindings, java.util.Optional<io.medledger.merkle.InclusionProof> proof) {}

  /**
   * Decodes {@link #checkpointBody} (after the OK byte at {@code offset}).
   *
   * @throws MalformedEncodingException if it is not exactly one body
   */
  public static CheckpointBody checkpointBody(byte[] r, int offset) {
    ByteBuffer b = ByteBuffer.wrap(r, offset, r.length - offset);
    try {
      int n = b.getInt();
      if (n < 0 || n > 64 << 10 || n > b.remaining()) {
        throw new MalformedEncodingException("checkpoint note length out of range");
      }
      byte[] note = new byte[n];
      b.get(note);
      int count = b.getShort() & 0xffff;
      if (count > MAX_BINDINGS) {
        throw new MalformedEncodingException("too many bindings");
      }
      List<String> bindings = new ArrayList<>(Math.min(count, 64));
      for (int i = 0; i < count; i++) {
        byte[] t = new byte[b.getShort() & 0xffff];
        b.get(t);
        bindings.add(new String(t, StandardCharsets.UTF_8));
      }
      java.util.Optional<io.medledger.merkle.InclusionProof> proof = java.util.Optional.empty();
      if (b.get() != 0) {
        long index = b.getLong();
        long size = b.getLong();
        int k = b.get() & 0xff;
        if (k > 64) {
          throw new MalformedEncodingException("inclusion path too long");
        }
        List<Digest> path = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
          byte[] h = new byte[32];
          b.get(h);
          path.add(Digest.of(h));
        }
        proof = java.util.Optional.of(new io.medledger.merkle.InclusionProof(index, size, path));
      }
      if (b.hasRemaining()) {
        throw new MalformedEncodingException("trailing bytes after the checkpoint body");
      }
      return new CheckpointBody(note, bindings, proof);
    } catch (java.nio.BufferUnderflowException e) {
      throw new MalformedEncodingException("truncated checkpoint body");
    }
  }

  /** A RECEIPT request for entry {@code id}. */
  public static byte[] receipt(Digest id) {
    return ByteBuffer.allocate(33).put(RECEIPT).put(id.toByteArray()).array();
  }

  /** The entry id of a RECEIPT request. */
  public static Digest receiptId(byte[] request) {
    if (request.length != 33 || request[0] != RECEIPT) {
      throw new MalformedEncodingException("malformed receipt request");
    }
    return Digest.of(request, 1);
  }

  /** The OK response to RECEIPT carrying {@code json}, if any. */
  public static byte[] receiptResponse(java.util.Optional<String> json) {
    if (json.isEmpty()) {
      return new byte[] {OK, 0};
    }
    byte[] t = json.get().getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[t.length + 2];
    b[0] = OK;
    b[1] = 1;
    System.arraycopy(t, 0, b, 2, t.length);
    return b;
  }

  /**
   * The receipt JSON of an OK RECEIPT response, if any.
   *
   * @throws MalformedEncodingException if it is not one
   */
  public static java.util.Optional<String> receiptJson(byte[] r) {
    if (r.length == 2 && r[0] == OK && r[1] == 0) {
      return java.util.Optional.empty();
    }
    if (r.length < 3 || r[0] != OK || r[1] != 1 || r.length - 2 > MAX_RECEIPT_BYTES) {
      throw new MalformedEncodingException("malformed receipt response");
    }
    java.nio.charset.CharsetDecoder d = StandardCharsets.UTF_8.newDecoder();
    try {
      return java.util.Optional.of(d.decode(ByteBuffer.wrap(r, 2, r.length - 2)).toString());
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new MalformedEncodingException("receipt response is not UTF-8");
    }
  }

  /** An OK response to SUBMIT. */
  public static byte[] finalAt(long height, Digest blockHash) {
    return ByteBuffer.allocate(41).put(OK).putLong(height).put(blockHash.toByteArray()).array();
  }

  /** A REFUSED response with a cause code and a reason (cut to 1,000 characters). */
  public static byte[] refused(int cause, String reason) {
    String r = reason.length() > 1000 ? reason.substring(0, 1000) : reason;
    byte[] t = r.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(2 + t.length).put(REFUSED).put((byte) cause).put(t).array();
  }

  /** An OK response carrying {@code body}. */
  public static byte[] ok(byte[] body) {
    byte[] b = new byte[body.length + 1];
    b[0] = OK;
    System.arraycopy(body, 0, b, 1, body.length);
    return b;
  }

  /** A presence bitmap for {@code present}. */
  public static byte[] bitmap(boolean[] present) {
    byte[] b = new byte[(present.length + 7) / 8];
    for (int i = 0; i < present.length; i++) {
      if (present[i]) {
        b[i / 8] |= (byte) (1 << (i % 8));
      }
    }
    return b;
  }

  /** Reads bit {@code i} of a bitmap. */
  public static boolean bit(byte[] bitmap, int offset, int i) {
    return (bitmap[offset + i / 8] & (1 << (i % 8))) != 0;
  }
}
