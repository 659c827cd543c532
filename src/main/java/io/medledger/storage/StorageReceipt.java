package io.medledger.storage;

import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * A storage node's {@link StorageStatement} signed with its Ed25519 ledger key: kept by the client
 * as evidence of what the node said, so that a node which acknowledged a write it did not keep, or
 * claimed a deletion it did not make, can be shown to have said so. A receipt proves what the node
 * stated at the time; it does not prove that the node still holds the bytes later (a
 * {@link BlobStore#check} or a read does), nor that it deleted every other copy it may have made.
 *
 * <p>A value of this type may be forged or altered (it is what an application stores and later
 * reads back): check it with {@link #verify(Ed25519PublicKey, Digest)} against the node's key as the
 * ledger or the configuration lists it. The signed message starts with the tag
 * {@code "medledger/storage-statement/v1\0"}, used by no other signed message.
 *
 * <p>Encoding ({@link #encode}): version byte 1, kind (1 held, 2 deleted), the node's key, the
 * chain id, the blob id, then for a held blob its size (i64) and for a deletion the erased
 * record's id and a byte (1 had a copy, 0 held none), the time (i64 milliseconds since the
 * epoch), and the 64-byte signature; big-endian, fixed length per kind. The signature is over the
 * tag and every byte between the version byte and the signature.
 *
 * <p>Immutable and thread-safe.
 *
 * @param node the storage node's ledger key
 * @param statement what it states
 * @param signature its Ed25519 signature over {@link #message(Ed25519PublicKey, StorageStatement)}
 */
public record StorageReceipt(Ed25519PublicKey node, StorageStatement statement, ByteString signature) {
  private static final byte[] TAG = "medledger/storage-statement/v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte VERSION = 1;
  private static final byte HELD = 1;
  private static final byte DELETED = 2;
  private static final int SIGNATURE_BYTES = 64;
  /** Kind, node key, chain, blob, size, time. */
  private static final int HELD_BODY = 1 + Ed25519PublicKey.LENGTH + 2 * Digest.LENGTH + 8 + 8;
  /** Kind, node key, chain, blob, record, copy flag, time. */
  private static final int DELETED_BODY = 1 + Ed25519PublicKey.LENGTH + 3 * Digest.LENGTH + 1 + 8;
  /** The longest encoding of a receipt, in bytes. */
  public static final int MAX_ENCODED_BYTES = 1 + DELETED_BODY + SIGNATURE_BYTES;

  /** Checks for nulls and the signature's length. */
  public StorageReceipt {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(statement, "statement");
    Objects.requireNonNull(signature, "signature");
    if (signature.size() != SIGNATURE_BYTES) {
      throw new IllegalArgumentException("an Ed25519 signature is 64 bytes, got " + signature.size());
    }
  }

  /** The bytes node {@code node} signs to make {@code statement} a receipt. */
  public static byte[] message(Ed25519PublicKey node, StorageStatement statement) {
    byte[] body = body(node, statement);
    return ByteBuffer.allocate(TAG.length + body.length).put(TAG).put(body).array();
  }

  /** Kind, node key, chain, blob and the kind's fields. */
  private static byte[] body(Ed25519PublicKey node, StorageStatement s) {
    boolean held = s instanceof StorageStatement.Held;
    ByteBuffer b = ByteBuffer.allocate(held ? HELD_BODY : DELETED_BODY);
    b.put(held ? HELD : DELETED).put(node.toBytes()).put(s.chainId().toByteArray()).put(s.blob().toByteArray());
    if (s instanceof StorageStatement.Held h) {
      b.putLong(h.size());
    } else {
      StorageStatement.Deleted d = (StorageStatement.Deleted) s;
      b.put(d.erasedRecord().toByteArray()).put((byte) (d.hadCopy() ? 1 : 0));
    }
    return b.putLong(s.time().toEpochMilli()).array();
  }

  /** Whether the signature is {@link #node}'s over the statement. Never throws. */
  public boolean verify() {
    return node.verify(message(node, statement), signature.toByteArray());
  }

  /**
   * Whether this is a receipt of node {@code expectedNode} for chain {@code expectedChain} whose
   * signature verifies: false for any other node or chain, and for any altered field. Never throws
   * for a non-null argument.
   */
  public boolean verify(Ed25519PublicKey expectedNode, Digest expectedChain) {
    return node.equals(expectedNode) && statement.chainId().equals(expectedChain) && verify();
  }

  /** The encoding (see the class description), at most {@link #MAX_ENCODED_BYTES}. */
  public byte[] encode() {
    byte[] body = body(node, statement);
    return ByteBuffer.allocate(1 + body.length + SIGNATURE_BYTES).put(VERSION).put(body)
        .put(signature.toByteArray()).array();
  }

  /**
   * Decodes a receipt; the signature is not checked ({@link #verify(Ed25519PublicKey, Digest)} does).
   *
   * @throws MalformedEncodingException if {@code encoded} is not exactly one receipt's encoding
   */
  public static StorageReceipt decode(byte[] encoded) {
    if (encoded == null || encoded.length < 2 || encoded[0] != VERSION) {
      throw new MalformedEncodingException("not a version 1 storage receipt");
    }
    byte kind = encoded[1];
    int body = kind == HELD ? HELD_BODY : kind == DELETED ? DELETED_BODY : -1;
    if (body < 0 || encoded.length != 1 + body + SIGNATURE_BYTES) {
      throw new MalformedEncodingException("a storage receipt of unknown kind " + kind + " or the wrong length ("
          + encoded.length + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(encoded, 2, encoded.length - 2);
    Ed25519PublicKey node = Ed25519PublicKey.fromBytes(bytes(b, Ed25519PublicKey.LENGTH));
    Digest chain = Digest.of(bytes(b, Digest.LENGTH));
    Digest blob = Digest.of(bytes(b, Digest.LENGTH));
    StorageStatement s;
    if (kind == HELD) {
      long size = b.getLong();
      if (size < 0) {
        throw new MalformedEncodingException("a storage receipt for a blob of " + size + " bytes");
      }
      s = new StorageStatement.Held(chain, blob, size, Instant.ofEpochMilli(b.getLong()));
    } else {
      Digest record = Digest.of(bytes(b, Digest.LENGTH));
      byte had = b.get();
      if (had != 0 && had != 1) {
        throw new MalformedEncodingException("a storage receipt's copy flag is " + had + ", not 0 or 1");
      }
      s = new StorageStatement.Deleted(chain, blob, record, had == 1, Instant.ofEpochMilli(b.getLong()));
    }
    return new StorageReceipt(node, s, ByteString.of(bytes(b, SIGNATURE_BYTES)));
  }

  private static byte[] bytes(ByteBuffer b, int n) {
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }
}
