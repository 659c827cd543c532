package io.medledger.consensus;

import io.medledger.access.ParticipantId;
import io.medledger.chain.Block;
import io.medledger.chain.BlockHeader;
import io.medledger.chain.BlockCandidate;
import io.medledger.chain.CertificatePolicy;
import io.medledger.chain.CertifiedBlock;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.chain.Membership;
import io.medledger.chain.ValidationResult;
import io.medledger.chain.VerifiedBlock;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Binds a consensus protocol to the chain model: blocks are {@link Block}s of the
 * {@link Ledger}, membership is the ledger's federation and audit servers, validation is
 * {@link Ledger#validate}, and a final block is appended with a chain certificate whose opaque
 * data is this package's {@link QuorumCertificate} (checked by {@link #certificatePolicy(String)}, which
 * the ledger must be opened with). Equivocation becomes a chain evidence entry through
 * {@link #evidenceEntry}, which the chain's strict evidence rule
 * ({@link io.medledger.chain.EvidencePolicy#strict()}) accepts.
 *
 * <p>Not thread-safe: one protocol thread uses it (the ledger itself is thread-safe, so queries may
 * run concurrently); {@link #predecode} is thread-safe.
 */
public final class LedgerApp implements ConsensusApp<Block> {
  private static final int VERIFIED_CACHE = 16;
  /** Bounds of the blocks decoded ahead by {@link #predecode}: count and encoded bytes. */
  static final int PREDECODED_BLOCKS = 1024;
  static final long PREDECODED_BYTES = 64L << 20;

  private final Ledger ledger;
  /** The pending entries the latest {@link #propose} left out as undecodable or for their signatures. */
  private java.util.Set<Digest> lastForged = java.util.Set.of();
  /** The pending entries the latest {@link #propose} deferred to a later block. */
  private java.util.Set<Digest> lastDeferred = java.util.Set.of();
  private final Map<Digest, VerifiedBlock> verified = new LinkedHashMap<>(32, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Digest, VerifiedBlock> e) {
      return size() > VERIFIED_CACHE;
    }
  };

  /** Blocks decoded ahead of {@link #decode}, by their exact bytes, oldest first; guarded by itself. */
  private final LinkedHashMap<EncodedKey, Block> predecoded = new LinkedHashMap<>();
  private long predecodedBytes;
  /** How many predecoded blocks are held per height, so that a commit finds none to drop at once; guarded by {@link #predecoded}. */
  private final TreeMap<Long, Integer> predecodedHeights = new TreeMap<>();

  /** Bytes compared by content; the hash covers a prefix (a block's header differs there). */
  private record EncodedKey(byte[] bytes, int hash) {
    EncodedKey(byte[] bytes) {
      this(bytes, 31 * bytes.length + java.util.Arrays.hashCode(
          java.util.Arrays.copyOf(bytes, Math.min(bytes.length, 160))));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof EncodedKey k && hash == k.hash && java.util.Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /**
   * An application over {@code ledger}, which must already hold its genesis block (height 0) and
   * have been opened with {@link #certificatePolicy(String)} of the protocol in use.
   */
  public LedgerApp(Ledger ledger) {
    if (ledger.height() < 0) {
      throw new IllegalStateException("the ledger has no genesis block");
    }
    this.ledger = ledger;
  }

  /**
   * The chain certificate policy for blocks certified by protocol {@code protocol}: the chain
   * certificate's data is a precommit {@link QuorumCertificate} for the header's height and hash,
   * signed by more than two thirds of that protocol's voters as of the parent block. Genesis
   * (height 0) needs no certificate.
   */
  public static CertificatePolicy certificatePolicy(String protocol) {
    return certificatePolicy(protocol, SignatureVerifier.DIRECT);
  }

  /**
   * {@link #certificatePolicy(String)} with signatures checked by {@code verifier}; given the
   * verifier of the protocol's {@link ConsensusContext} made by
   * {@link SignatureVerifier#remembering}, a certificate the engine verified is not verified again
   * when the block is appended.
   */
  public static CertificatePolicy certificatePolicy(String protocol, SignatureVerifier verifier) {
    java.util.Objects.requireNonNull(verifier, "verifier");
    if (!Protocols.names().contains(protocol)) {
      throw new IllegalArgumentException("unknown consensus protocol '" + protocol + "'");
    }
    return new CertificatePolicy() {
      @Override
      public ValidationResult<io.medledger.chain.Certificate> check(BlockHeader header,
          io.medledger.chain.Certificate chainCert, Membership parent) {
        if (header.height() == 0) {
          return ValidationResult.accepted(chainCert);
        }
        QuorumCertificate c;
        try {
          c = QuorumCertificate.decode(chainCert.data().toByteArray());
        } catch (MalformedEncodingException e) {
          return ValidationResult.rejected("consensus certificate is malformed: " + e.getMessage());
        }
        if (!precommitFor(c, header)) {
          return ValidationResult.rejected("consensus certificate is not a precommit quorum for this header");
        }
        VoterSet m = new VoterSet(parent.federationKeys(), parent.auditKeys());
        if (!c.verify(header.chainId(), Protocols.voters(protocol, m), verifier)) {
          return ValidationResult.rejected("consensus certificate lacks a quorum of valid voter signatures");
        }
        return ValidationResult.accepted(chainCert);
      }

      /** Hands the signatures of the certificates {@link #check} would verify to the verifier's {@code prepare}. */
      @Override
      public void prepare(List<BlockHeader> headers, List<io.medledger.chain.Certificate> certificates,
          List<Membership> parents) {
        CertificatePolicy.super.prepare(headers, certificates, parents);
        List<Ed25519PublicKey> keys = new ArrayList<>();
        List<byte[]> messages = new ArrayList<>();
        List<byte[]> signatures = new ArrayList<>();
        for (int i = 0; i < headers.size(); i++) {
          BlockHeader header = headers.get(i);
          QuorumCertificate c;
          try {
            c = QuorumCertificate.decode(certificates.get(i).data().toByteArray());
          } catch (MalformedEncodingException e) {
            continue;
          }
          if (header.height() == 0 || !precommitFor(c, header)) {
            continue;
          }
          List<Ed25519PublicKey> voters = Protocols.voters(protocol,
              new VoterSet(parents.get(i).federationKeys(), parents.get(i).auditKeys()));
          byte[] msg = c.statement().signingBytes(header.chainId());
          for (QuorumCertificate.VoterSignature sig : c.signatures()) {
            if (sig.signer() < voters.size()) {
              keys.add(voters.get(sig.signer()));
              messages.add(msg);
              signatures.add(sig.raw());
            }
          }
        }
        verifier.prepare(keys, messages, signatures);
      }
    };
  }

  /**
   * The keys among {@code candidates} whose precommit of {@code header} chain certificate
   * {@code certificate} carries, at most {@code enough} of them (see
   * {@link QuorumCertificate#signersAmong}): none when its data is not a precommit certificate of
   * this header's height and hash, as at genesis.
   */
  public static java.util.Set<Ed25519PublicKey> precommitSigners(BlockHeader header,
      io.medledger.chain.Certificate certificate, java.util.Collection<Ed25519PublicKey> candidates, int enough) {
    QuorumCertificate c;
    try {
      c = QuorumCertificate.decode(certificate.data().toByteArray());
    } catch (MalformedEncodingException | IllegalArgumentException e) {
      return java.util.Set.of();
    }
    return precommitFor(c, header) ? c.signersAmong(header.chainId(), candidates, enough) : java.util.Set.of();
  }

  private static boolean precommitFor(QuorumCertificate c, BlockHeader header) {
    return c.statement().kind() == StatementKind.PRECOMMIT && c.height() == header.height()
        && c.blockHash().equals(header.hash());
  }

  /** A chain evidence entry reporting {@code evidence}, signed by the reporting server. */
  public io.medledger.chain.Evidence evidenceEntry(Equivocation evidence, Ed25519PrivateKey reporter, long nowMillis) {
    Digest chainId = chainId();
    ByteString a = ByteString.of(evidence.first().signingBytes(chainId));
    ByteString b = ByteString.of(evidence.second().signingBytes(chainId));
    ByteString sa = ByteString.of(evidence.firstSignature());
    ByteString sb = ByteString.of(evidence.secondSignature());
    boolean swap = a.compareTo(b) > 0;
    io.medledger.chain.Evidence e = new io.medledger.chain.Evidence(ParticipantId.of(reporter.publicKey()),
        ParticipantId.of(evidence.signer()), swap ? b : a, swap ? sb : sa, swap ? a : b, swap ? sa : sb,
        nowMillis, List.of());
    return Entry.sign(e, chainId, reporter);
  }

  /** The ledger. */
  public Ledger ledger() {
    return ledger;
  }

  @Override
  public Digest chainId() {
    return ledger.parameters().chainId();
  }

  @Override
  public long committedHeight() {
    return ledger.height();
  }

  @Override
  public Block committedBlock(long height) {
    return ledger.block(height).block();
  }

  @Override
  public byte[] encodedBlock(long height) {
    return ledger.encodedBlock(height);
  }

  @Override
  public QuorumCertificate certificate(long height) {
    return QuorumCertificate.decode(ledger.certificate(height).data().toByteArray());
  }

  /**
   * The servers that order block {@code height}: the ledger's membership after block
   * {@code height - 1} (suspended servers left out), from its membership history; heights beyond
   * the next one get the tip's.
   */
  @Override
  public VoterSet membership(long height) {
    io.medledger.chain.Membership m = ledger.membershipAfter(Math.max(0, Math.min(height - 1, ledger.height())));
    return new VoterSet(m.federationKeys(), m.auditKeys());
  }

  @Override
  public Block propose(ProposalContext ctx, List<byte[]> pending) {
    List<Entry> entries = new ArrayList<>(pending.size());
    List<byte[]> decoded = new ArrayList<>(pending.size());
    java.util.Set<Digest> forgedNow = new java.util.HashSet<>();
    for (byte[] p : pending) {
      try {
        entries.add(Entry.decode(p));
        decoded.add(p);
      } catch (MalformedEncodingException e) {
        forgedNow.add(Sha256.hash(p));
      }
    }
    ValidationResult<BlockCandidate> r = ledger.propose(ParticipantId.of(ctx.proposer()), ctx.round(),
        ByteString.EMPTY, ctx.timeMillis(), entries);
    if (r instanceof ValidationResult.Rejected<BlockCandidate> rej) {
      throw new IllegalStateException("the ledger refuses this node as bookkeeper: " + rej.reason());
    }
    BlockCandidate candidate = ((ValidationResult.Accepted<BlockCandidate>) r).value();
    java.util.Map<Entry, byte[]> raw = new java.util.IdentityHashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      raw.put(entries.get(i), decoded.get(i));
    }
    for (BlockCandidate.RejectedEntry x : candidate.rejected()) {
      if (x.forged()) {
        forgedNow.add(rawHash(raw, x.entry()));
      }
    }
    lastForged = forgedNow;
    java.util.Set<Digest> deferredNow = new java.util.HashSet<>();
    for (Entry e : candidate.deferred()) {
      deferredNow.add(rawHash(raw, e));
    }
    lastDeferred = deferredNow;
    VerifiedBlock vb = candidate.block();
    verified.put(vb.block().hash(), vb);
    return vb.block();
  }

  /** The SHA-256 of the pending bytes {@code e} was decoded from (of its encoding if not found). */
  private static Digest rawHash(java.util.Map<Entry, byte[]> raw, Entry e) {
    byte[] p = raw.get(e);
    return Sha256.hash(p != null ? p : e.encode());
  }

  /** Whether the latest {@link #propose} deferred {@code entry} to a later block (the block's bounds). */
  @Override
  public boolean deferred(byte[] entry) {
    return !lastDeferred.isEmpty() && lastDeferred.contains(Sha256.hash(entry));
  }

  /**
   * The registrar a patient registration names (its signer other than the patient, unverified),
   * as a digest; empty for any other entry and for bytes that are not an entry. Only the kind byte
   * is read of entries of other kinds.
   */
  @Override
  public Optional<Digest> shareOf(byte[] entry) {
    // version byte, then the kind byte (EntryCodec)
    if (entry.length < 2 || entry[1] != io.medledger.chain.EntryKind.PATIENT_REGISTRATION.ordinal()) {
      return Optional.empty();
    }
    try {
      return Entry.decode(entry) instanceof io.medledger.chain.PatientRegistration r
          ? r.registrar().map(ParticipantId::digest) : Optional.empty();
    } catch (MalformedEncodingException e) {
      return Optional.empty();
    }
  }

  /** Whether the latest {@link #propose} left {@code entry} out as undecodable or for its signatures. */
  @Override
  public boolean forged(byte[] entry) {
    return !lastForged.isEmpty() && lastForged.contains(Sha256.hash(entry));
  }

  @Override
  public ValidationVerdict validate(Block candidate, ProposalContext ctx) {
    return check(candidate, ctx, ledger::validateIgnoringClock);
  }

  /** Every rule but the entries' signatures, for a block whose certificate the engine verified. */
  @Override
  public ValidationVerdict validateCertified(Block candidate, ProposalContext ctx) {
    return check(candidate, ctx, ledger::validateCertified);
  }

  private ValidationVerdict check(Block candidate, ProposalContext ctx,
      java.util.function.Function<Block, ValidationResult<VerifiedBlock>> rules) {
    if (!candidate.header().bookkeeper().equals(ParticipantId.of(ctx.proposer()))) {
      return ValidationVerdict.reject("block names another bookkeeper");
    }
    ValidationResult<VerifiedBlock> r = rules.apply(candidate);
    if (r instanceof ValidationResult.Rejected<VerifiedBlock> rej) {
      return ValidationVerdict.reject(rej.reason());
    }
    VerifiedBlock vb = ((ValidationResult.Accepted<VerifiedBlock>) r).value();
    verified.put(candidate.hash(), vb);
    return ValidationVerdict.accept();
  }

  /** The chain's clock rule: the timestamp at most the chain's maximum clock skew ahead of {@code nowMillis}. */
  @Override
  public ValidationVerdict checkTimely(Block candidate, long nowMillis) {
    long skew = ledger.parameters().maxClockSkew().toMillis();
    return candidate.header().timestamp() > nowMillis + skew
        ? ValidationVerdict.reject("timestamp " + candidate.header().timestamp() + " is more than " + skew
            + " ms ahead of the clock")
        : ValidationVerdict.accept();
  }

  @Override
  public Digest hash(Block block) {
    return block.hash();
  }

  @Override
  public long height(Block block) {
    return block.height();
  }

  @Override
  public Optional<Ed25519PublicKey> proposer(Block block) {
    ParticipantId id = block.header().bookkeeper();
    for (Ed25519PublicKey k : membership(block.height()).federation()) {
      if (ParticipantId.of(k).equals(id)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  @Override
  public List<byte[]> entries(Block block) {
    return block.entryEncodings();
  }

  @Override
  public void commit(Block block, QuorumCertificate certificate) {
    VerifiedBlock vb = verified.remove(block.hash());
    if (vb == null) {
      ValidationResult<VerifiedBlock> r = ledger.validateIgnoringClock(block);
      if (r instanceof ValidationResult.Rejected<VerifiedBlock> rej) {
        throw new IllegalStateException("a certified block fails validation: " + rej.reason());
      }
      vb = ((ValidationResult.Accepted<VerifiedBlock>) r).value();
    }
    ValidationResult<CertifiedBlock> r = ledger.append(vb, chainCertificate(certificate));
    if (r instanceof ValidationResult.Rejected<CertifiedBlock> rej) {
      throw new IllegalStateException("the ledger refused a final block: " + rej.reason());
    }
    // blocks verified for this height or below (a round that did not decide) can no longer be
    // appended; left to the cache's eviction, each would hold its block and its state changes for
    // many heights, long enough to reach a node's old generation
    verified.values().removeIf(v -> v.block().height() <= block.height());
    dropPredecodedThrough(block.height());
  }

  /**
   * Forgets the predecoded blocks of heights up to {@code height}: once a height is committed,
   * however it was, no {@link #decode} asks for them any more, and kept they would fill the
   * bound with dead blocks that a long-running node carries into its old generation.
   */
  private void dropPredecodedThrough(long height) {
    synchronized (predecoded) {
      if (predecodedHeights.isEmpty() || predecodedHeights.firstKey() > height) {
        return;
      }
      var it = predecoded.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<EncodedKey, Block> e = it.next();
        if (e.getValue().height() <= height) {
          forgetPredecoded(e.getKey(), e.getValue());
          it.remove();
        }
      }
    }
  }

  @Override
  public byte[] encode(Block block) {
    return block.encode();
  }

  /** Defers durability of the ledger's appends ({@link Ledger#deferDurability}). */
  @Override
  public void beginCatchUp() {
    ledger.deferDurability();
  }

  /** Makes the deferred appends durable ({@link Ledger#makeDurable}). */
  @Override
  public void endCatchUp() {
    ledger.makeDurable();
  }

  /**
   * Uses the block {@link #predecode} made from equal bytes, if it still holds one.
   *
   * @throws MalformedEncodingException if the bytes are not a block, or their entries are not the
   *     ones the header commits to ({@link Block#entriesMatchHeader}): the protocol knows a block
   *     by its header's hash, so a forged body under a genuine header must not be taken for it
   */
  @Override
  public Block decode(byte[] bytes) {
    Block b;
    synchronized (predecoded) {
      EncodedKey k = new EncodedKey(bytes);
      b = predecoded.remove(k);
      if (b != null) {
        forgetPredecoded(k, b);
      }
    }
    return b != null ? b : intact(Block.decode(bytes));
  }

  private static Block intact(Block b) {
    if (!b.entriesMatchHeader()) {
      throw new MalformedEncodingException("block entries do not match the entries root of its header");
    }
    return b;
  }

  /**
   * Decodes {@code bytes} now and keeps the block for the {@link #decode} of equal bytes (at most
   * {@value #PREDECODED_BLOCKS} blocks and 64 MiB of encodings, the oldest dropped first, and
   * each only until its height is committed; bytes that do not decode, and blocks of heights
   * already committed, are not kept, so {@link #decode} refuses or decodes them itself).
   */
  @Override
  public void predecode(byte[] bytes) {
    predecode(bytes, null);
  }

  /**
   * {@link #predecode(byte[])}, and {@link Ledger#precheck} of the block with {@code certificate}
   * (when not null) before the block is kept: the block's own hashes, and the certificate checked
   * by the ledger's policy against the membership this node knows now. With the verifier of the
   * protocol shared with that policy ({@link SignatureVerifier#remembering}), the protocol's
   * check and the append's then find the signatures verified; a certificate that fails is
   * remembered nowhere.
   */
  @Override
  public void predecode(byte[] bytes, QuorumCertificate certificate) {
    predecodeAll(List.of(bytes), Collections.singletonList(certificate));
  }

  /**
   * {@link #predecode(byte[], QuorumCertificate)} of each of {@code blocks} with its certificate
   * (same length), their certificates' signatures first handed to the certificate policy together
   * ({@link Ledger#prepareCertificates}), so that a verifier that remembers checks them as one
   * batch. Thread-safe.
   *
   * @throws IllegalArgumentException if the lists differ in length
   */
  @Override
  public void predecodeAll(List<byte[]> blocks, List<QuorumCertificate> certificates) {
    if (blocks.size() != certificates.size()) {
      throw new IllegalArgumentException("blocks and certificates differ in number");
    }
    List<byte[]> copies = new ArrayList<>(blocks.size());
    List<Block> decoded = new ArrayList<>(blocks.size());
    List<QuorumCertificate> certs = new ArrayList<>(blocks.size());
    for (int i = 0; i < blocks.size(); i++) {
      byte[] copy = blocks.get(i).length > PREDECODED_BYTES ? null : blocks.get(i).clone();
      Block b = copy == null ? null : decodeAhead(copy);
      if (b != null) {
        copies.add(copy);
        decoded.add(b);
        certs.add(certificates.get(i));
      }
    }
    List<Block> withCertificate = new ArrayList<>();
    List<io.medledger.chain.Certificate> chainCerts = new ArrayList<>();
    for (int i = 0; i < decoded.size(); i++) {
      if (certs.get(i) != null) {
        withCertificate.add(decoded.get(i));
        chainCerts.add(chainCertificate(certs.get(i)));
      }
    }
    try {
      ledger.prepareCertificates(withCertificate, chainCerts);
    } catch (RuntimeException e) {
      // a hint only, as the precheck below
    }
    for (int i = 0; i < decoded.size(); i++) {
      keep(copies.get(i), decoded.get(i), certs.get(i));
    }
  }

  /** The block {@code copy} encodes, or null if it does not decode or its height is committed. */
  private Block decodeAhead(byte[] copy) {
    Block b;
    try {
      b = intact(Block.decode(copy));
    } catch (MalformedEncodingException e) {
      return null;
    }
    return b.height() <= ledger.height() ? null : b; // committed: nothing will ask for it
  }

  /** Prechecks {@code b} (decoded from {@code copy}) with {@code certificate}, if any, and keeps it. */
  private void keep(byte[] copy, Block b, QuorumCertificate certificate) {
    if (certificate != null) {
      try {
        ledger.precheck(b, chainCertificate(certificate));
      } catch (RuntimeException e) {
        // a hint only: the protocol's and the ledger's own checks decide
      }
    }
    EncodedKey k = new EncodedKey(copy);
    synchronized (predecoded) {
      if (predecoded.putIfAbsent(k, b) != null) {
        return;
      }
      predecodedBytes += copy.length;
      predecodedHeights.merge(b.height(), 1, Integer::sum);
      var it = predecoded.entrySet().iterator();
      while (predecoded.size() > PREDECODED_BLOCKS || predecodedBytes > PREDECODED_BYTES) {
        Map.Entry<EncodedKey, Block> e = it.next();
        forgetPredecoded(e.getKey(), e.getValue());
        it.remove();
      }
    }
  }

  /** Takes a predecoded block, about to leave {@link #predecoded}, out of the byte and height counts. */
  private void forgetPredecoded(EncodedKey k, Block b) {
    predecodedBytes -= k.bytes().length;
    predecodedHeights.compute(b.height(), (h, n) -> n == null || n <= 1 ? null : n - 1);
  }

  /** The chain certificate carrying {@code certificate}, as the ledger stores it. */
  private static io.medledger.chain.Certificate chainCertificate(QuorumCertificate certificate) {
    return new io.medledger.chain.Certificate(List.of(), ByteString.of(certificate.encode()));
  }

  /** How many verified blocks are held for commit (for tests). */
  int verifiedCount() {
    return verified.size();
  }

  /** How many predecoded blocks are held (for tests of the bound). */
  int predecodedCount() {
    synchronized (predecoded) {
      return predecoded.size();
    }
  }
}
