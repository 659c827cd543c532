package io.medledger.consensus;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519Signatures;
import io.medledger.crypto.Sha256;
import io.medledger.internal.consensus.Wire;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The messages consensus participants exchange: a sealed family with one canonical encoding
 * ({@link #encode()} / {@link #decode(byte[], int)}). Proposals, votes and timeouts are signed
 * with Ed25519 over their {@link Statement} (so that votes form certificates and conflicts form
 * {@link Equivocation}); statuses, block requests and block responses over their whole body;
 * an {@link EntryBatch} is not signed (its entries are). Decoding checks
 * structure only; the receiving protocol checks signatures against the membership. Immutable.
 */
public sealed interface ConsensusMessage {
  /** Wire tag of each message type. */
  int TAG_PROPOSAL = 1, TAG_VOTE = 2, TAG_TIMEOUT = 3, TAG_STATUS = 4, TAG_BLOCK_REQUEST = 5,
      TAG_BLOCK_RESPONSE = 6, TAG_ENTRIES = 7;

  /** The canonical encoding, signature included. */
  byte[] encode();

  /** The height this message is about (committed height for a status). */
  long height();

  /**
   * A bookkeeper's proposal: its signed statement (aux = proof-of-lock round or -1), the encoded
   * block, and the prevote certificate justifying a re-proposal when aux >= 0. The signer is
   * implicit: the bookkeeper of (height, round).
   */
  record Proposal(Statement statement, byte[] signature, byte[] block, QuorumCertificate proofOfLock)
      implements ConsensusMessage {
    public Proposal {
      requireKind(statement, StatementKind.PROPOSAL);
      signature = sig(signature);
      block = Objects.requireNonNull(block, "block").clone();
      if ((statement.auxRound() >= 0) != (proofOfLock != null)) {
        throw new IllegalArgumentException("a proof of lock is present exactly when aux >= 0");
      }
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public byte[] block() {
      return block.clone();
    }

    byte[] blockRaw() {
      return block;
    }

    byte[] sigRaw() {
      return signature;
    }

    @Override
    public long height() {
      return statement.height();
    }

    /** Equal when the canonical encodings are equal. */
    @Override
    public boolean equals(Object o) {
      return sameEncoding(this, o);
    }

    @Override
    public int hashCode() {
      return encodingHash(this);
    }

    @Override
    public String toString() {
      return describe(this);
    }

    @Override
    public byte[] encode() {
      Wire.Writer w = new Wire.Writer(block.length + 200).u8(TAG_PROPOSAL);
      statement.write(w);
      w.raw(signature).bytes(block);
      if (proofOfLock != null) {
        proofOfLock.write(w);
      }
      return w.toByteArray();
    }
  }

  /**
   * A prevote or precommit by voter number {@code voter}; it repeats the proposer's signature on
   * the proposal it votes for (aux round {@code proposalAux}), so that a bookkeeper who sent
   * different proposals to different voters is exposed wherever the votes meet.
   */
  record Vote(Statement statement, int voter, byte[] signature, int proposalAux,
      byte[] proposerSignature) implements ConsensusMessage {
    public Vote {
      Objects.requireNonNull(statement, "statement");
      if (statement.kind() != StatementKind.PREVOTE && statement.kind() != StatementKind.PRECOMMIT) {
        throw new IllegalArgumentException("a vote is a prevote or a precommit");
      }
      if (voter < 0 || proposalAux < -1) {
        throw new IllegalArgumentException("invalid voter or aux");
      }
      signature = sig(signature);
      proposerSignature = sig(proposerSignature);
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public byte[] proposerSignature() {
      return proposerSignature.clone();
    }

    byte[] sigRaw() {
      return signature;
    }

    byte[] proposerSigRaw() {
      return proposerSignature;
    }

    @Override
    public long height() {
      return statement.height();
    }

    /** Equal when the canonical encodings are equal. */
    @Override
    public boolean equals(Object o) {
      return sameEncoding(this, o);
    }

    @Override
    public int hashCode() {
      return encodingHash(this);
    }

    @Override
    public String toString() {
      return describe(this);
    }

    @Override
    public byte[] encode() {
      Wire.Writer w = new Wire.Writer(220).u8(TAG_VOTE);
      statement.write(w);
      return w.i32(voter).raw(signature).i32(proposalAux).raw(proposerSignature).toByteArray();
    }
  }

  /**
   * Voter {@code voter} gives up on rounds up to statement.round(). It carries the voter's highest
   * proof of lock (statement.auxRound() and statement.hash(), with the certificate and the block)
   * so that the next bookkeeper re-proposes a block no honest voter is locked against.
   */
  record Timeout(Statement statement, int voter, byte[] signature, QuorumCertificate proofOfLock,
      byte[] lockedBlock) implements ConsensusMessage {
    public Timeout {
      requireKind(statement, StatementKind.TIMEOUT);
      if (voter < 0) {
        throw new IllegalArgumentException("invalid voter");
      }
      signature = sig(signature);
      lockedBlock = Objects.requireNonNull(lockedBlock, "lockedBlock").clone();
      if ((statement.auxRound() >= 0) != (proofOfLock != null)) {
        throw new IllegalArgumentException("a proof of lock is present exactly when aux >= 0");
      }
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public byte[] lockedBlock() {
      return lockedBlock.clone();
    }

    byte[] lockedBlockRaw() {
      return lockedBlock;
    }

    byte[] sigRaw() {
      return signature;
    }

    @Override
    public long height() {
      return statement.height();
    }

    /** Equal when the canonical encodings are equal. */
    @Override
    public boolean equals(Object o) {
      return sameEncoding(this, o);
    }

    @Override
    public int hashCode() {
      return encodingHash(this);
    }

    @Override
    public String toString() {
      return describe(this);
    }

    @Override
    public byte[] encode() {
      Wire.Writer w = new Wire.Writer(lockedBlock.length + 200).u8(TAG_TIMEOUT);
      statement.write(w);
      w.i32(voter).raw(signature).bytes(lockedBlock);
      if (proofOfLock != null) {
        proofOfLock.write(w);
      }
      return w.toByteArray();
    }
  }

  /** Body-signed messages name their sender by its index in {@link VoterSet#nodes()}. A node's announcement of its committed height and current round (sent on start and periodically). */
  record Status(long committedHeight, int round, int sender, byte[] signature)
      implements ConsensusMessage {
    public Status {
      if (sender < 0) {
        throw new IllegalArgumentException("invalid sender index");
      }
      if (committedHeight < 0 || round < 0) {
        throw new IllegalArgumentException("invalid status");
      }
      signature = sig(signature);
    }

    /** A signed status. */
    public static Status sign(long committedHeight, int round, int sender, Ed25519PrivateKey key, Digest chainId) {
      Status unsigned = new Status(committedHeight, round, sender, new byte[64]);
      return new Status(committedHeight, round, sender, key.sign(unsigned.signingBytes(chainId)));
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public long height() {
      return committedHeight;
    }

    /** Equal when the canonical encodings are equal. */
    @Override
    public boolean equals(Object o) {
      return sameEncoding(this, o);
    }

    @Override
    public int hashCode() {
      return encodingHash(this);
    }

    @Override
    public String toString() {
      return describe(this);
    }

    void body(Wire.Writer w) {
      w.u8(TAG_STATUS).i64(committedHeight).i32(round).i32(sender);
    }

    @Override
    public byte[] encode() {
      Wire.Writer w = new Wire.Writer(120);
      body(w);
      return w.raw(signature).toByteArray();
    }
  }

  /** A request for committed blocks from {@code fromHeight}, at most {@code count}. */
  record BlockRequest(long fromHeight, int count, int sender, byte[] signature)
      implements ConsensusMessage {
    public BlockRequest {
      if (sender < 0) {
        throw new IllegalArgumentException("invalid sender index");
      }
      if (fromHeight < 1 || count < 1) {
        throw new IllegalArgumentException("invalid block request");
      }
      signature = sig(signature);
    }

    /** A signed request. */
    public static BlockRequest sign(long from, int count, int sender, Ed25519PrivateKey key, Digest chainId) {
      BlockRequest u = new BlockRequest(from, count, sender, new byte[64]);
      return new BlockRequest(from, count, sender, key.sign(u.signingBytes(chainId)));
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public long height() {
      return fromHeight;
    }

    /** Equal when the canonical encodings are equal. */
    @Override
    public boolean equals(Object o) {
      return sameEncoding(this, o);
    }

    @Override
    public int hashCode() {
      return encodingHash(this);
    }

    @Override
    public String toString() {
      return describe(this);
    }

    void body(Wire.Writer w) {
      w.u8(TAG_BLOCK_REQUEST).i64(fromHeight).i32(count).i32(sender);
    }

    @Override
    public byte[] encode() {
      Wire.Writer w = new Wire.Writer(120);
      body(w);
      return w.raw(signature).toByteArray();
    }
  }

  /** Committed blocks with their certificates, consecutive from {@code fromHeight}. */
  record BlockResponse(long fromHeight, List<byte[]> blocks, List<QuorumCertificate> certificates,
      int sender, byte[] signature) implements ConsensusMessage {
    public BlockResponse {
      if (sender < 0) {
        throw new IllegalArgumentException("invalid sender index");
      }
      List<byte[]> copy = new ArrayList<>(blocks.size());
      for (byte[] b : blocks) {
        copy.add(b.clone());
      }
      blocks = List.copyOf(copy);
      certificates = List.copyOf(certificates);
      if (fromHeight < 1 || blocks.size() != certificates.size()) {
        throw new IllegalArgumentException("invalid block response");
      }
      signature = sig(signature);
    }

    /** A signed response. */
    public static BlockResponse sign(long from, List<byte[]> blocks, List<QuorumCertificate> certs,
        int sender, Ed25519PrivateKey key, Digest chainId) {
      BlockResponse u = new BlockResponse(from, blocks, certs, sender, new byte[64]);
      return new BlockResponse(from, blocks, certs, sender, key.sign(u.signingBytes(chainId)));
    }

    @Override
    public List<byte[]> blocks() {
      List<byte[]> out = new ArrayList<>(blocks.size());
      for (byte[] b : blocks) {
        out.add(b.clone());
      }
      return out;
    }

    List<byte[]> blocksRaw() {
      return blocks;
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public long height() {
      return fromHeight;
    }

    /** Equal when the canonical encodings are equal. */
    @Override
    public boolean equals(Object o) {
      return sameEncoding(this, o);
    }

    @Override
    public int hashCode() {
      return encodingHash(this);
    }

    @Override
    public String toString() {
      return describe(this);
    }

    void body(Wire.Writer w) {
      w.u8(TAG_BLOCK_RESPONSE).i64(fromHeight).i32(sender).i32(blocks.size());
      for (int i = 0; i < blocks.size(); i++) {
        w.bytes(blocks.get(i));
        certificates.get(i).write(w);
      }
    }

    @Override
    public byte[] encode() {
      Wire.Writer w = new Wire.Writer(1024);
      body(w);
      return w.raw(signature).toByteArray();
    }
  }

  /**
   * Pending entries gossiped so that every bookkeeper and voter knows the outstanding work. The
   * only unsigned message: each entry carries its own signatures, and the batch is taken from the
   * peer that the transport authenticated ({@link Event.MessageReceived}), whose pool quota the
   * entries count against. A signature would only let a receiver show a third party who sent the
   * batch, which nothing uses, at one signing per flush and one verification per receiver.
   */
  record EntryBatch(List<byte[]> entries) implements ConsensusMessage {
    public EntryBatch {
      List<byte[]> copy = new ArrayList<>(entries.size());
      for (byte[] b : entries) {
        copy.add(b.clone());
      }
      entries = List.copyOf(copy);
    }

    @Override
    public List<byte[]> entries() {
      List<byte[]> out = new ArrayList<>(entries.size());
      for (byte[] b : entries) {
        out.add(b.clone());
      }
      return out;
    }

    List<byte[]> entriesRaw() {
      return entries;
    }

    @Override
    public long height() {
      return 0;
    }

    /** Equal when the canonical encodings are equal. */
    @Override
    public boolean equals(Object o) {
      return sameEncoding(this, o);
    }

    @Override
    public int hashCode() {
      return encodingHash(this);
    }

    @Override
    public String toString() {
      return describe(this);
    }

    @Override
    public byte[] encode() {
      int size = 5;
      for (byte[] e : entries) {
        size += 4 + e.length;
      }
      Wire.Writer w = new Wire.Writer(size).u8(TAG_ENTRIES).i32(entries.size());
      for (byte[] e : entries) {
        w.bytes(e);
      }
      return w.toByteArray();
    }
  }

  /**
   * The bytes a body-signed message (status, request, response) is signed over: a domain tag,
   * the chain id and the body. Statement-signed messages return their statement's signing bytes.
   *
   * @throws IllegalStateException for an {@link EntryBatch}, which is not signed
   */
  default byte[] signingBytes(Digest chainId) {
    if (this instanceof Proposal p) {
      return p.statement().signingBytes(chainId);
    } else if (this instanceof Vote v) {
      return v.statement().signingBytes(chainId);
    } else if (this instanceof Timeout t) {
      return t.statement().signingBytes(chainId);
    }
    Wire.Writer w = new Wire.Writer(256).raw(Domains.message()).digest(chainId);
    if (this instanceof Status s) {
      s.body(w);
    } else if (this instanceof BlockRequest b) {
      b.body(w);
    } else if (this instanceof BlockResponse b) {
      b.body(w);
    } else {
      throw new IllegalStateException("an entry batch is not signed");
    }
    return w.toByteArray();
  }

  private static boolean sameEncoding(ConsensusMessage a, Object b) {
    return b != null && b.getClass() == a.getClass() && Arrays.equals(a.encode(), ((ConsensusMessage) b).encode());
  }

  private static int encodingHash(ConsensusMessage m) {
    return Arrays.hashCode(m.encode());
  }

  /** Its type, height, encoded size and the first bytes of its encoding's SHA-256, never raw bytes. */
  private static String describe(ConsensusMessage m) {
    byte[] e = m.encode();
    return m.getClass().getSimpleName() + "[height=" + m.height() + ", bytes=" + e.length + ", sha256="
        + Sha256.hash(e).toHex().substring(0, 16) + "]";
  }

  /**
   * Decodes one message of at most {@code maxBytes}.
   *
   * @throws MalformedEncodingException if the bytes are not exactly one canonical message
   */
  static ConsensusMessage decode(byte[] bytes, int maxBytes) {
    if (bytes.length > maxBytes) {
      throw new MalformedEncodingException("message of " + bytes.length + " bytes exceeds " + maxBytes);
    }
    Wire.Reader r = new Wire.Reader(bytes);
    ConsensusMessage m;
    try {
      int tag = r.u8();
      switch (tag) {
        case TAG_PROPOSAL -> {
          Statement st = Statement.read(r);
          byte[] s = r.raw(64);
          byte[] block = r.bytes(maxBytes);
          QuorumCertificate pol = st.auxRound() >= 0 ? QuorumCertificate.read(r) : null;
          m = new Proposal(st, s, block, pol);
        }
        case TAG_VOTE -> {
          Statement st = Statement.read(r);
          int voter = r.i32In(0, QuorumCertificate.MAX_SIGNERS - 1, "voter");
          byte[] s = r.raw(64);
          int aux = r.i32In(-1, Integer.MAX_VALUE, "proposal aux");
          m = new Vote(st, voter, s, aux, r.raw(64));
        }
        case TAG_TIMEOUT -> {
          Statement st = Statement.read(r);
          int voter = r.i32In(0, QuorumCertificate.MAX_SIGNERS - 1, "voter");
          byte[] s = r.raw(64);
          byte[] block = r.bytes(maxBytes);
          QuorumCertificate pol = st.auxRound() >= 0 ? QuorumCertificate.read(r) : null;
          m = new Timeout(st, voter, s, pol, block);
        }
        case TAG_STATUS -> {
          long h = r.i64In(0, Long.MAX_VALUE, "height");
          int round = r.i32In(0, Integer.MAX_VALUE, "round");
          m = new Status(h, round, r.i32In(0, QuorumCertificate.MAX_SIGNERS * 2, "sender"), r.raw(64));
        }
        case TAG_BLOCK_REQUEST -> {
          long h = r.i64In(1, Long.MAX_VALUE, "height");
          int count = r.i32In(1, 100_000, "count");
          m = new BlockRequest(h, count, r.i32In(0, QuorumCertificate.MAX_SIGNERS * 2, "sender"), r.raw(64));
        }
        case TAG_BLOCK_RESPONSE -> {
          long h = r.i64In(1, Long.MAX_VALUE, "height");
          int k = r.i32In(0, QuorumCertificate.MAX_SIGNERS * 2, "sender");
          int n = r.count(Math.min(10_000, r.remaining() / 8), "block");
          List<byte[]> blocks = new ArrayList<>(n);
          List<QuorumCertificate> certs = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            blocks.add(r.bytes(maxBytes));
            certs.add(QuorumCertificate.read(r));
          }
          m = new BlockResponse(h, blocks, certs, k, r.raw(64));
        }
        case TAG_ENTRIES -> {
          int n = r.count(Math.min(1_000_000, r.remaining() / 4), "entry");
          List<byte[]> entries = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            entries.add(r.bytes(maxBytes));
          }
          m = new EntryBatch(entries);
        }
        default -> throw new MalformedEncodingException("unknown consensus message tag " + tag);
      }
    } catch (MalformedEncodingException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new MalformedEncodingException("consensus message: " + e.getMessage(), e);
    }
    r.done();
    return m;
  }

  private static void requireKind(Statement s, StatementKind k) {
    Objects.requireNonNull(s, "statement");
    if (s.kind() != k) {
      throw new IllegalArgumentException("expected a " + k + " statement, got " + s.kind());
    }
  }

  private static byte[] sig(byte[] s) {
    if (s == null || s.length != Ed25519Signatures.SIGNATURE_LENGTH) {
      throw new IllegalArgumentException("a signature is 64 bytes");
    }
    return s.clone();
  }
}
