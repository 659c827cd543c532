package io.medledger.consensus.sim;

import io.medledger.codec.MalformedEncodingException;
import io.medledger.consensus.QuorumCertificate;
import io.medledger.consensus.ConsensusApp;
import io.medledger.consensus.VoterSet;
import io.medledger.consensus.ProposalContext;
import io.medledger.consensus.SignatureVerifier;
import io.medledger.consensus.ValidationVerdict;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.crypto.Sha256;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * The simulator's application: a real (small) chain of {@link SimBlock}s over a durable
 * {@link SimLedger}. Validation checks height and linkage to the previous block, the bookkeeper,
 * monotonic timestamps within a clock-skew bound, the RFC 9162 entry root, every entry's
 * signature, and duplicates against the whole chain; it can also be told to reject blocks. Its
 * membership may change by height (reconfiguration). Not thread-safe.
 */
public final class SimApp implements ConsensusApp<SimBlock> {
  private final Digest chainId;
  private final SignatureVerifier verifier;
  private final LongFunction<VoterSet> membership;
  private final SimLedger ledger;
  private final long maxSkewMillis;
  private final Set<Digest> committedEntries = new HashSet<>();
  private final Map<Digest, Ed25519PublicKey> keys = new HashMap<>();
  private Function<SimBlock, Optional<String>> rejector = b -> Optional.empty();
  private Digest lastHash;
  private long lastTimestamp;
  /** The pending entries the latest {@link #propose} left out as malformed or wrongly signed. */
  private Set<Digest> lastForged = Set.of();

  /**
   * An application over {@code ledger} (replayed to rebuild the state), with a fixed membership
   * and a bound on how far a block timestamp may run ahead of the validator's clock.
   */
  public SimApp(Digest chainId, VoterSet membership, SimLedger ledger, long maxSkewMillis) {
    this(chainId, membership, ledger, maxSkewMillis, SignatureVerifier.DIRECT);
  }

  /** As {@link #SimApp(Digest, VoterSet, SimLedger, long)}, verifying entries with {@code verifier}. */
  public SimApp(Digest chainId, VoterSet membership, SimLedger ledger, long maxSkewMillis,
      SignatureVerifier verifier) {
    this(chainId, h -> membership, ledger, maxSkewMillis, verifier);
  }

  /**
   * As {@link #SimApp(Digest, VoterSet, SimLedger, long, SignatureVerifier)}, with a membership
   * that changes by height: {@code membershipAt.apply(h)} orders block {@code h} (what governance
   * entries committed before {@code h} decided), so a reconfiguration takes effect at a defined
   * height. It must be a pure function.
   */
  public SimApp(Digest chainId, LongFunction<VoterSet> membershipAt, SimLedger ledger, long maxSkewMillis,
      SignatureVerifier verifier) {
    java.util.Objects.requireNonNull(membershipAt.apply(1), "membership");
    this.verifier = verifier;
    this.chainId = chainId;
    this.membership = membershipAt;
    this.ledger = ledger;
    this.maxSkewMillis = maxSkewMillis;
    this.lastHash = genesisHash(chainId);
    this.lastTimestamp = Long.MIN_VALUE;
    for (long h = 1; h <= ledger.size(); h++) {
      apply(ledger.block(h));
    }
  }

  /** The previous-hash of block 1. */
  public static Digest genesisHash(Digest chainId) {
    return Sha256.hash("medledger/sim/genesis".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        chainId.toByteArray());
  }

  /** Makes validation also reject every block for which {@code rule} returns a reason. */
  public void rejectWhen(Function<SimBlock, Optional<String>> rule) {
    this.rejector = rule;
  }

  /** The durable ledger. */
  public SimLedger ledger() {
    return ledger;
  }

  private void apply(SimBlock b) {
    for (byte[] e : b.entriesRaw()) {
      committedEntries.add(Sha256.hash(e));
    }
    lastHash = b.hash();
    lastTimestamp = b.timestamp();
  }

  @Override
  public Digest chainId() {
    return chainId;
  }

  @Override
  public long committedHeight() {
    return ledger.size();
  }

  @Override
  public SimBlock committedBlock(long height) {
    return ledger.block(height);
  }

  @Override
  public QuorumCertificate certificate(long height) {
    return ledger.certificate(height);
  }

  @Override
  public VoterSet membership(long height) {
    return membership.apply(height);
  }

  /** Checks one entry's encoding and signature; returns its digest, or null when invalid. */
  private Digest check(byte[] encoded) {
    return check(encoded, true);
  }

  /** Checks one entry's encoding and client key, and its signature if asked; its digest, or null. */
  private Digest check(byte[] encoded, boolean signature) {
    SimEntry e;
    try {
      e = SimEntry.decode(encoded);
    } catch (MalformedEncodingException x) {
      return null;
    }
    Ed25519PublicKey k = keys.get(Digest.of(e.clientRaw()));
    if (k == null) {
      try {
        k = Ed25519PublicKey.fromBytes(e.clientRaw());
      } catch (MalformedEncodingException x) {
        return null;
      }
      if (keys.size() < 100_000) {
        keys.put(Digest.of(e.clientRaw()), k);
      }
    }
    return !signature || verifier.verify(k, e.signingBytes(), e.signatureRaw()) ? Sha256.hash(encoded) : null;
  }

  @Override
  public SimBlock propose(ProposalContext ctx, List<byte[]> pending) {
    List<byte[]> chosen = new ArrayList<>(pending.size());
    Set<Digest> inBlock = new HashSet<>();
    Set<Digest> forgedNow = new HashSet<>();
    for (byte[] e : pending) {
      Digest d = check(e);
      if (d == null) {
        forgedNow.add(Sha256.hash(e));
      } else if (!committedEntries.contains(d) && inBlock.add(d)) {
        chosen.add(e);
      }
    }
    lastForged = forgedNow;
    long ts = lastTimestamp == Long.MIN_VALUE ? ctx.timeMillis() : Math.max(ctx.timeMillis(), lastTimestamp + 1);
    return SimBlock.build(ctx.height(), lastHash, ts, ctx.proposer(), chosen);
  }

  /** Whether the latest {@link #propose} left {@code entry} out as malformed or wrongly signed. */
  @Override
  public boolean forged(byte[] entry) {
    return !lastForged.isEmpty() && lastForged.contains(Sha256.hash(entry));
  }

  @Override
  public ValidationVerdict validate(SimBlock b, ProposalContext ctx) {
    return validate(b, ctx, true);
  }

  /** Every rule of {@link #validate} but the entry signatures, which the verified certificate covers. */
  @Override
  public ValidationVerdict validateCertified(SimBlock b, ProposalContext ctx) {
    return validate(b, ctx, false);
  }

  private ValidationVerdict validate(SimBlock b, ProposalContext ctx, boolean signatures) {
    if (b.height() != ledger.size() + 1) {
      return ValidationVerdict.reject("height " + b.height() + " does not follow " + ledger.size());
    }
    if (!b.previous().equals(lastHash)) {
      return ValidationVerdict.reject("previous hash does not link to the committed chain");
    }
    if (!b.proposedBy(ctx.proposer()) || !membership.apply(b.height()).federation().contains(ctx.proposer())) {
      return ValidationVerdict.reject("bookkeeper is not the federation server entitled to propose");
    }
    if (lastTimestamp != Long.MIN_VALUE && b.timestamp() <= lastTimestamp) {
      return ValidationVerdict.reject("timestamp not after the previous block");
    }
    if (!SimBlock.rootOf(b.entriesRaw()).equals(b.entriesRoot())) {
      return ValidationVerdict.reject("entry root does not match the entries");
    }
    Set<Digest> inBlock = new HashSet<>();
    int i = 0;
    for (byte[] e : b.entriesRaw()) {
      Digest d = check(e, signatures);
      if (d == null) {
        return ValidationVerdict.reject("entry " + i + " is malformed or its signature is invalid");
      }
      if (committedEntries.contains(d) || !inBlock.add(d)) {
        return ValidationVerdict.reject("entry " + i + " is a duplicate");
      }
      i++;
    }
    Optional<String> extra = rejector.apply(b);
    return extra.isPresent() ? ValidationVerdict.reject(extra.get()) : ValidationVerdict.accept();
  }

  @Override
  public ValidationVerdict checkTimely(SimBlock b, long nowMillis) {
    return b.timestamp() > nowMillis + maxSkewMillis
        ? ValidationVerdict.reject("timestamp " + b.timestamp() + " is more than " + maxSkewMillis
            + " ms ahead of the clock " + nowMillis)
        : ValidationVerdict.accept();
  }

  @Override
  public Digest hash(SimBlock block) {
    return block.hash();
  }

  @Override
  public long height(SimBlock block) {
    return block.height();
  }

  @Override
  public Optional<Ed25519PublicKey> proposer(SimBlock block) {
    for (Ed25519PublicKey k : membership.apply(block.height()).federation()) {
      if (block.proposedBy(k)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  @Override
  public List<byte[]> entries(SimBlock block) {
    return block.entriesRaw();
  }

  @Override
  public void commit(SimBlock block, QuorumCertificate certificate) {
    if (block.height() != ledger.size() + 1) {
      throw new IllegalStateException("commit out of order: " + block.height() + " after " + ledger.size());
    }
    ledger.append(block, certificate);
    apply(block);
  }

  @Override
  public byte[] encode(SimBlock block) {
    return block.encode();
  }

  /**
   * Decodes a block whose entries are the ones its root commits to.
   *
   * @throws MalformedEncodingException if the bytes are not a block or the root is not over its
   *     entries (the hash covers the header only, so the body would be a forgery under it)
   */
  @Override
  public SimBlock decode(byte[] bytes) {
    SimBlock b = SimBlock.decode(bytes);
    if (!SimBlock.rootOf(b.entries()).equals(b.entriesRoot())) {
      throw new MalformedEncodingException("block entries do not match its root");
    }
    return b;
  }
}
