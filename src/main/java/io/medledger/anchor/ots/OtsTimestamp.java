package io.medledger.anchor.ots;

import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.HeaderSource;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.codec.Hex;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.internal.BoundedInput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An OpenTimestamps detached proof (a {@code .ots} file): the hash operation applied to the
 * stamped file, the file's digest, and the tree of operations and attestations that starts from
 * that digest.
 *
 * <p>{@link #parse} reads the format strictly and with bounds (sizes checked before allocating,
 * at most {@value OtsNode#MAX_DEPTH} operations deep and {@value #MAX_ATTESTATIONS} attestations,
 * message limits of the reference client enforced while the messages are recomputed);
 * {@link #serialize} writes the tree back in the order it was read, so a parsed proof is
 * rewritten byte for byte. {@link #builder} makes new proofs, for example to export a ledger
 * anchor so that standard OpenTimestamps verifiers accept it.
 *
 * <p>Immutable and thread-safe.
 */
public final class OtsTimestamp {
  /** Largest proof {@link #read(InputStream)} accepts, in bytes. */
  public static final int MAX_PROOF_BYTES = 8 * 1024 * 1024;
  /** Most attestations {@link #parse} accepts in one proof (real proofs carry a handful). */
  public static final int MAX_ATTESTATIONS = 1000;

  private final OtsOperation.Hash fileHashOp;
  private final byte[] fileDigest;
  private final OtsNode root;

  private OtsTimestamp(OtsOperation.Hash fileHashOp, byte[] fileDigest, OtsNode root) {
    this.fileHashOp = fileHashOp;
    this.fileDigest = fileDigest;
    this.root = root;
  }

  /** For the reader, which has already checked every message while reading. */
  static OtsTimestamp trusted(OtsOperation.Hash fileHashOp, byte[] fileDigest, OtsNode root) {
    return new OtsTimestamp(fileHashOp, fileDigest, root);
  }

  /**
   * A proof from its parts. The messages are recomputed to check the format's limits.
   *
   * @throws IllegalArgumentException if the digest length does not match the hash or an
   *     operation breaks a limit on the way
   */
  public static OtsTimestamp of(OtsOperation.Hash fileHashOp, byte[] fileDigest, OtsNode root) {
    Objects.requireNonNull(fileHashOp, "fileHashOp");
    Objects.requireNonNull(root, "root");
    if (fileDigest.length != fileHashOp.digestLength()) {
      throw new IllegalArgumentException(fileHashOp.name() + " digest is " + fileHashOp.digestLength()
          + " bytes, got " + fileDigest.length);
    }
    OtsTimestamp t = new OtsTimestamp(fileHashOp, fileDigest.clone(), root);
    t.commitments();
    return t;
  }

  /**
   * Parses a {@code .ots} file.
   *
   * @throws MalformedEncodingException if the bytes are not a valid proof; the message says why
   */
  public static OtsTimestamp parse(byte[] bytes) {
    return OtsCodec.read(bytes);
  }

  /**
   * Reads a {@code .ots} file of at most {@link #MAX_PROOF_BYTES} bytes.
   *
   * @throws MalformedEncodingException if it is larger or not a valid proof
   * @throws UncheckedIOException on a read error
   */
  public static OtsTimestamp read(InputStream in) {
    try {
      byte[] b = in.readNBytes(MAX_PROOF_BYTES + 1);
      if (b.length > MAX_PROOF_BYTES) {
        throw new MalformedEncodingException("proof larger than " + MAX_PROOF_BYTES + " bytes");
      }
      return parse(b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a {@code .ots} file from {@code path}; see {@link #read(InputStream)}. Only a regular
   * file is opened: a named pipe, directory or device throws {@link UncheckedIOException} at once
   * (a pipe that nothing writes to would block the caller for ever).
   */
  public static OtsTimestamp read(Path path) {
    try (InputStream in = BoundedInput.openRegularFile(path)) {
      return read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The serialized proof. */
  public byte[] serialize() {
    return OtsCodec.write(this);
  }

  /** The hash operation applied to the stamped file. */
  public OtsOperation.Hash fileHashOp() {
    return fileHashOp;
  }

  /** The stamped file's digest (a copy). */
  public byte[] fileDigest() {
    return fileDigest.clone();
  }

  /** The stamped file's digest as hex. */
  public String fileDigestHex() {
    return Hex.encode(fileDigest);
  }

  /** The root of the operation tree (its message is the file digest). */
  public OtsNode root() {
    return root;
  }

  /** Whether hashing {@code content} with the file hash operation gives the proof's digest. */
  public boolean matchesFile(byte[] content) {
    OtsOperation.Hasher h = fileHashOp.newHasher();
    h.update(content, 0, content.length);
    return MessageDigest.isEqual(h.digest(), fileDigest);
  }

  /** As {@link #matchesFile(byte[])}, streaming the file at {@code path}. */
  public boolean matchesFile(Path path) {
    OtsOperation.Hasher h = fileHashOp.newHasher();
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(path)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        h.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return MessageDigest.isEqual(h.digest(), fileDigest);
  }

  /**
   * Every attestation with the message the operations reach at it, depth first in proof order.
   *
   * @throws IllegalArgumentException if an operation breaks a limit (only for proofs built with
   *     {@link #of}; parsed proofs were checked while reading)
   */
  public List<OtsCommitment> commitments() {
    List<OtsCommitment> out = new ArrayList<>();
    walk(root, fileDigest, new ArrayList<>(), out);
    return out;
  }

  private static void walk(OtsNode node, byte[] msg, List<OtsOperation> path, List<OtsCommitment> out) {
    for (OtsNode.Branch b : node.branches()) {
      if (b instanceof OtsNode.Attested a) {
        out.add(new OtsCommitment(a.attestation(), msg, path));
      } else {
        OtsNode.Step s = (OtsNode.Step) b;
        path.add(s.operation());
        walk(s.next(), s.operation().apply(msg), path, out);
        path.remove(path.size() - 1);
      }
    }
  }

  /** Checks the Bitcoin attestations against {@code headers} under mainnet's proof-of-work limit. */
  public OtsVerification verifyBitcoin(HeaderSource headers) {
    return verifyBitcoin(headers, BitcoinChainParams.MAINNET);
  }

  /**
   * Checks each Bitcoin attestation: the message reaching it must be 32 bytes and equal the
   * Merkle root field of the header the source has at the height (internal byte order), and that
   * header must meet its proof of work. See {@link OtsVerification} for when the proof holds.
   */
  public OtsVerification verifyBitcoin(HeaderSource headers, BitcoinChainParams params) {
    List<OtsVerification.BitcoinCheck> checks = new ArrayList<>();
    for (OtsCommitment c : commitments()) {
      if (!(c.attestation() instanceof OtsAttestation.Bitcoin btc)) {
        continue;
      }
      long height = btc.height();
      byte[] msg = c.message();
      if (msg.length != Digest.LENGTH) {
        checks.add(new OtsVerification.BitcoinCheck(height, msg, OtsVerification.Status.BAD_COMMITMENT_LENGTH,
            OptionalLong.empty(), "", "commitment is " + msg.length + " bytes, a Merkle root is 32"));
        continue;
      }
      Optional<BitcoinBlockHeader> h = headers.headerAt(height);
      if (h.isEmpty()) {
        checks.add(new OtsVerification.BitcoinCheck(height, msg, OtsVerification.Status.NO_HEADER,
            OptionalLong.empty(), "", headers.missingReason(height)));
        continue;
      }
      BitcoinBlockHeader header = h.get();
      if (!header.checkProofOfWork(params)) {
        checks.add(new OtsVerification.BitcoinCheck(height, msg, OtsVerification.Status.BAD_PROOF_OF_WORK,
            OptionalLong.empty(), header.hashHex(), "header " + header.hashHex() + " fails proof of work"));
      } else if (!header.merkleRoot().equalsBytes(msg)) {
        checks.add(new OtsVerification.BitcoinCheck(height, msg, OtsVerification.Status.MERKLE_ROOT_MISMATCH,
            OptionalLong.empty(), header.hashHex(), "commitment " + Hex.encode(msg)
                + " is not the Merkle root " + header.merkleRoot().toHex() + " of block " + header.hashHex()));
      } else {
        checks.add(new OtsVerification.BitcoinCheck(height, msg, OtsVerification.Status.VERIFIED,
            OptionalLong.of(header.time()), header.hashHex(), "Merkle root of block " + header.hashHex()));
      }
    }
    return new OtsVerification(checks);
  }

  /** Starts a proof of a SHA-256 digest (the usual file hash). */
  public static Builder builder(byte[] sha256Digest) {
    return new Builder(OtsOperation.sha256(), sha256Digest);
  }

  /** Starts a proof of a digest made with {@code fileHashOp}. */
  public static Builder builder(OtsOperation.Hash fileHashOp, byte[] digest) {
    return new Builder(fileHashOp, digest);
  }

  /**
   * Builds a linear proof: operations from the digest, then one attestation. It tracks the
   * current message, so helpers can check that a transaction or Merkle branch really contains
   * it. Not thread-safe; use one builder per proof.
   */
  public static final class Builder {
    private final OtsOperation.Hash fileHashOp;
    private final byte[] digest;
    private final List<OtsOperation> ops = new ArrayList<>();
    private byte[] message;

    private Builder(OtsOperation.Hash fileHashOp, byte[] digest) {
      this.fileHashOp = Objects.requireNonNull(fileHashOp, "fileHashOp");
      if (digest.length != fileHashOp.digestLength()) {
        throw new IllegalArgumentException(fileHashOp.name() + " digest is " + fileHashOp.digestLength()
            + " bytes, got " + digest.length);
      }
      this.digest = digest.clone();
      this.message = digest.clone();
    }

    /** Applies {@code op} to the current message. */
    public Builder then(OtsOperation op) {
      byte[] next = op.apply(message);
      if (ops.size() + 1 > OtsNode.MAX_DEPTH) {
        throw new IllegalArgumentException("more than " + OtsNode.MAX_DEPTH + " operations");
      }
      ops.add(op);
      message = next;
      return this;
    }

    /** Appends {@code suffix} to the current message. */
    public Builder append(byte[] suffix) {
      return then(OtsOperation.append(suffix));
    }

    /** Prepends {@code prefix} to the current message. */
    public Builder prepend(byte[] prefix) {
      return then(OtsOperation.prepend(prefix));
    }

    /** Replaces the current message by its SHA-256. */
    public Builder sha256() {
      return then(OtsOperation.sha256());
    }

    /** RFC 9162 leaf hash of the current message: SHA-256(0x00 || message). */
    public Builder rfc9162Leaf() {
      return prepend(new byte[] {0x00}).sha256();
    }

    /**
     * Goes from the current message, an RFC 9162 leaf hash at {@code leafIndex} of a tree of
     * {@code treeSize} leaves, up to the tree's root along the inclusion {@code path}: each level
     * becomes SHA-256(0x01 || left || right), with the sibling placed as RFC 9162 section
     * 2.1.3.2 prescribes.
     *
     * @throws IllegalArgumentException if the path's length does not fit the index and size
     */
    public Builder rfc9162InclusionPath(long leafIndex, long treeSize, List<Digest> path) {
      if (leafIndex < 0 || leafIndex >= treeSize) {
        throw new IllegalArgumentException("leaf index " + leafIndex + " outside a tree of " + treeSize);
      }
      if (message.length != Digest.LENGTH) {
        throw new IllegalArgumentException("the current message is not a 32-byte leaf hash");
      }
      long fn = leafIndex;
      long sn = treeSize - 1;
      List<OtsOperation> steps = new ArrayList<>();
      for (Digest p : path) {
        if (sn == 0) {
          throw new IllegalArgumentException("inclusion path longer than the tree is deep");
        }
        byte[] sibling = p.toByteArray();
        if ((fn & 1) == 1 || fn == sn) {
          byte[] prefix = new byte[1 + Digest.LENGTH];
          prefix[0] = 0x01;
          System.arraycopy(sibling, 0, prefix, 1, Digest.LENGTH);
          steps.add(OtsOperation.prepend(prefix));
          if ((fn & 1) == 0) {
            while ((fn & 1) == 0 && fn != 0) {
              fn >>>= 1;
              sn >>>= 1;
            }
          }
        } else {
          steps.add(OtsOperation.prepend(new byte[] {0x01}));
          steps.add(OtsOperation.append(sibling));
        }
        steps.add(OtsOperation.sha256());
        fn >>>= 1;
        sn >>>= 1;
      }
      if (sn != 0) {
        throw new IllegalArgumentException("inclusion path shorter than the tree is deep");
      }
      steps.forEach(this::then);
      return this;
    }

    /**
     * Goes from the current message to the id of the transaction that contains it: the
     * transaction's bytes before and after the message are prepended and appended, then
     * SHA-256 twice gives the txid in internal byte order.
     *
     * @param rawTxWithoutWitness the transaction serialized without witness data (so the hash is
     *     its txid)
     * @param offset where the current message sits in it
     * @throws IllegalArgumentException if the message is not at {@code offset}
     */
    public Builder bitcoinTransaction(byte[] rawTxWithoutWitness, int offset) {
      int end = offset + message.length;
      if (offset < 0 || end > rawTxWithoutWitness.length
          || !Arrays.equals(rawTxWithoutWitness, offset, end, message, 0, message.length)) {
        throw new IllegalArgumentException("the current message is not at offset " + offset + " of the transaction");
      }
      if (offset > 0) {
        prepend(Arrays.copyOfRange(rawTxWithoutWitness, 0, offset));
      }
      if (end < rawTxWithoutWitness.length) {
        append(Arrays.copyOfRange(rawTxWithoutWitness, end, rawTxWithoutWitness.length));
      }
      return sha256().sha256();
    }

    /**
     * Goes from the current message, which must be {@code branch.txid()} in internal byte
     * order, to the block's Merkle root: for each level, the sibling is prepended (the node is a
     * right child) or appended, then SHA-256 twice.
     *
     * @throws IllegalArgumentException if the current message is not the branch's txid
     */
    public Builder merkleBranch(MerkleBranch branch) {
      if (!branch.txid().equalsBytes(message)) {
        throw new IllegalArgumentException("the current message is not the branch's txid");
      }
      for (int k = 0; k < branch.siblings().size(); k++) {
        byte[] sibling = branch.siblings().get(k).toByteArray();
        if (((branch.index() >>> k) & 1) == 1) {
          prepend(sibling);
        } else {
          append(sibling);
        }
        sha256().sha256();
      }
      return this;
    }

    /** The message the operations so far reach (a copy). */
    public byte[] currentMessage() {
      return message.clone();
    }

    /** Finishes with a Bitcoin attestation at {@code height}. */
    public OtsTimestamp attestBitcoin(long height) {
      if (message.length != Digest.LENGTH) {
        throw new IllegalArgumentException("a Bitcoin attestation needs a 32-byte Merkle root, the message is "
            + message.length + " bytes");
      }
      return attest(OtsAttestation.bitcoin(height));
    }

    /** Finishes with {@code attestation}. */
    public OtsTimestamp attest(OtsAttestation attestation) {
      return new OtsTimestamp(fileHashOp, digest.clone(), OtsNode.chain(ops, attestation));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OtsTimestamp t && t.fileHashOp.equals(fileHashOp)
        && Arrays.equals(t.fileDigest, fileDigest) && t.root.equals(root);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(fileDigest) * 31 + root.hashCode();
  }

  @Override
  public String toString() {
    return "OtsTimestamp[" + fileHashOp.name() + " " + fileDigestHex() + ", " + commitments().size() + " attestations]";
  }
}
