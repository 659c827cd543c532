package io.medledger.consensus;

import io.medledger.crypto.Digest;
import java.util.List;

/**
 * What a consensus protocol needs from the application it orders blocks for (the chain, or a
 * simulator application): building, validating, hashing, encoding and durably committing blocks
 * of type {@code B}, and the membership in force at each height. The application is also the
 * block store: committed blocks and their certificates are read back from it for catch-up and
 * after a restart. Heights start at 1; height 0 is genesis and is never proposed.
 *
 * <p>Implementations are called from one protocol thread at a time and need not be thread-safe
 * for that use; {@link #predecode} alone may be called from any thread.
 *
 * @param <B> the block type
 */
public interface ConsensusApp<B> {
  /** Identifies the chain; every signature binds it, so votes cannot be replayed on another chain. */
  Digest chainId();

  /** The highest committed height (0 before the first block). */
  long committedHeight();

  /** The committed block at {@code height} in 1..committedHeight(). */
  B committedBlock(long height);

  /**
   * The canonical encoding of the committed block at {@code height} (what {@link #encode} gives
   * for {@link #committedBlock}), for serving catch-up; an application that stores encodings may
   * return them without decoding. The default encodes the decoded block.
   */
  default byte[] encodedBlock(long height) {
    return encode(committedBlock(height));
  }

  /** The certificate that made the block at {@code height} final. */
  QuorumCertificate certificate(long height);

  /** The participants that order the block at {@code height} (read from the state after height-1). */
  VoterSet membership(long height);

  /**
   * Builds a candidate block at {@code ctx.height()} on top of the committed chain, named after
   * {@code ctx.proposer()} and stamped {@code ctx.timeMillis()}, from a valid subset of
   * {@code pending} (in order; entries that would make the block invalid are left out).
   */
  B propose(ProposalContext ctx, List<byte[]> pending);

  /**
   * Checks a candidate with the full rules against the committed state that do not depend on the
   * local clock: linkage, height, the proposer named in {@code ctx}, timestamps against the
   * parent's, every entry. The verdict must be deterministic (the same on every honest node with
   * the same committed chain), because protocols cache it and apply it to certified blocks.
   */
  ValidationVerdict validate(B candidate, ProposalContext ctx);

  /**
   * Checks a block that arrived by catch-up with a precommit certificate that the protocol has
   * verified against the voters of the block's height: every rule of {@link #validate} except
   * the verification of signatures inside the block's entries, which the certificate vouches for
   * (more than f honest voters validated every entry before precommitting). Called only when
   * {@link ConsensusConfig#catchUpTrustsCertificates()} is set, never for a proposal. Links,
   * roots, height, proposer, timestamps against the parent, encodings and duplicates must still be
   * checked. The default is {@link #validate}.
   */
  default ValidationVerdict validateCertified(B candidate, ProposalContext ctx) {
    return validate(candidate, ctx);
  }

  /**
   * The rules that depend on the local clock (for example, a timestamp at most the skew bound
   * ahead of {@code nowMillis}). Protocols apply them only when deciding whether to vote for a
   * candidate, never cache a rejection across a clock change, and never apply them to a block
   * certified by a quorum. The default accepts.
   */
  default ValidationVerdict checkTimely(B candidate, long nowMillis) {
    return ValidationVerdict.accept();
  }

  /** The block's hash (what statements and certificates sign). */
  Digest hash(B block);

  /** The block's height. */
  long height(B block);

  /** The proposer (bookkeeper) the block names, or empty when it names no known participant. */
  java.util.Optional<io.medledger.crypto.Ed25519PublicKey> proposer(B block);

  /**
   * Whether pending entry {@code entry}, which the latest {@link #propose} left out, was left out
   * for what no honest node passes on, whatever the state: it is not an entry, or a signature in it
   * does not verify. Nodes hand their protocol only entries they checked, so the protocol charges
   * such an entry to the member that gossiped it, as it charges a bad signature on that member's
   * own messages. Asked only right after {@link #propose}, for entries it left out. The default
   * says no.
   */
  default boolean forged(byte[] entry) {
    return false;
  }

  /**
   * Whether pending entry {@code entry}, which the latest {@link #propose} left out, was left out
   * only for room (the block's bounds, such as one registrar's share of its patient registrations):
   * the protocol keeps it pending for a later block instead of dropping it. Asked only right after
   * {@link #propose}, for entries it left out. The default says no.
   */
  default boolean deferred(byte[] entry) {
    return false;
  }

  /**
   * The share that pending entry {@code entry} counts against, or empty for none: the gossip of one
   * peer holds at most {@link ConsensusConfig#maxGossipedPerShare()} pending entries of one share.
   * Called on each entry a peer gossips, unchecked: it must be cheap, must not throw for any bytes
   * (empty for what it cannot read), and must not trust the signatures it names. The default is
   * empty.
   */
  default java.util.Optional<Digest> shareOf(byte[] entry) {
    return java.util.Optional.empty();
  }

  /** The encoded entries of the block, so that they can leave the pending pool. */
  List<byte[]> entries(B block);

  /**
   * Durably appends a validated block at committedHeight()+1 with its certificate. Returns only
   * when the block survives a crash, except between {@link #beginCatchUp} and
   * {@link #endCatchUp}.
   */
  void commit(B block, QuorumCertificate certificate);

  /** The canonical encoding of a block. */
  byte[] encode(B block);

  /**
   * Decodes a block received from a peer. The protocol knows a block by its {@link #hash}: it
   * caches its verdict on the block and keeps the block under that hash. So bytes whose hash does
   * not determine them all (a body that is not the one the header commits to, forged by whoever
   * relays a genuine header) must be refused here, or one relayed forgery would make the genuine
   * block look invalid to this node.
   *
   * @throws io.medledger.codec.MalformedEncodingException if the bytes are not a block, or not the
   *     whole block their hash names
   */
  B decode(byte[] bytes);

  /**
   * A hint, from any thread, that {@link #decode} will soon be called with these bytes (a block
   * that bulk sync fetched): the application may decode them now, on the calling thread, and hand
   * the result to that call, so decoding overlaps the protocol thread's work. What {@link #decode}
   * returns must not change. Must be thread-safe and keep a bounded amount. The default does
   * nothing.
   */
  default void predecode(byte[] bytes) {}

  /**
   * {@link #predecode(byte[])} for a block that bulk sync fetched with {@code certificate}: the
   * application may also do ahead, on the calling thread, work of checking the two that depends
   * only on them (for example verify the certificate's signatures with a verifier that remembers
   * them for the protocol's own check). Nothing done here may be trusted later without the
   * protocol's and the application's checks. The default predecodes the block only.
   */
  default void predecode(byte[] bytes, QuorumCertificate certificate) {
    predecode(bytes);
  }

  /**
   * {@link #predecode(byte[], QuorumCertificate)} of consecutive fetched blocks, each with its
   * certificate ({@code blocks} and {@code certificates} of the same length): the application may
   * share work across them (check all their certificates' signatures as one batch). The default
   * predecodes them one by one.
   *
   * @throws IllegalArgumentException if the lists differ in length
   */
  default void predecodeAll(List<byte[]> blocks, List<QuorumCertificate> certificates) {
    if (blocks.size() != certificates.size()) {
      throw new IllegalArgumentException("blocks and certificates differ in number");
    }
    for (int i = 0; i < blocks.size(); i++) {
      predecode(blocks.get(i), certificates.get(i));
    }
  }

  /**
   * A run of certified blocks fetched by bulk sync is about to be delivered: until
   * {@link #endCatchUp}, {@link #commit} may defer making blocks durable (they are final on the
   * network and can be fetched again), so that one durable write covers the whole run. The caller
   * must call {@link #endCatchUp} before it acknowledges anything about those blocks, and the
   * protocol's safety state must not be saved ahead of them (see {@link #endCatchUp}). Called on
   * the protocol's thread. The default does nothing.
   */
  default void beginCatchUp() {}

  /**
   * Makes every block committed since {@link #beginCatchUp} durable and returns to durable
   * commits. Idempotent; called on the protocol's thread, and also before the protocol's safety
   * state is saved. The default does nothing.
   */
  default void endCatchUp() {}
}
