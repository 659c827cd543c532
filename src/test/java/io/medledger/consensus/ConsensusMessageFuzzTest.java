package io.medledger.consensus;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import io.medledger.testing.DecoderFuzzing;
import io.medledger.testing.DecoderSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Fuzzes the consensus wire messages, certificates and evidence. See {@link DecoderFuzzing}. */
class ConsensusMessageFuzzTest extends DecoderFuzzing {
  private static final Digest CHAIN = Sha256.hash("fuzz-chain".getBytes(StandardCharsets.UTF_8));
  /** The bound the network layer passes for one message. */
  static final int MAX_MESSAGE = 1 << 20;

  @FuzzTest
  void fuzz(byte[] data) {
    fuzzOne(data);
  }

  @Override
  protected List<DecoderSpec<?>> specs() {
    return List.of(
        DecoderSpec.canonical("message", (byte[] b) -> ConsensusMessage.decode(b, MAX_MESSAGE), ConsensusMessage::encode)
            .byEncoding(),
        DecoderSpec.canonical("certificate", QuorumCertificate::decode, QuorumCertificate::encode).byEncoding(),
        DecoderSpec.canonical("evidence", Equivocation::decode, Equivocation::encode).byEncoding());
  }

  private static Ed25519PrivateKey key(int i) {
    return Ed25519PrivateKey.fromSeed(Sha256.hash(new byte[] {(byte) i}).toByteArray());
  }

  private static QuorumCertificate cert(StatementKind kind, long height, int round, Digest block, int signers) {
    Statement st = new Statement(kind, height, round, block, -1);
    List<QuorumCertificate.VoterSignature> sigs = new ArrayList<>();
    for (int i = 0; i < signers; i++) {
      sigs.add(new QuorumCertificate.VoterSignature(i, key(i).sign(st.signingBytes(CHAIN))));
    }
    return new QuorumCertificate(st, sigs);
  }

  @Override
  protected List<Seed> seeds() {
    Digest block = Sha256.hash("block".getBytes(StandardCharsets.UTF_8));
    byte[] blockBytes = "an encoded block".getBytes(StandardCharsets.UTF_8);
    QuorumCertificate prevotes = cert(StatementKind.PREVOTE, 7, 1, block, 3);
    Statement proposal = new Statement(StatementKind.PROPOSAL, 7, 2, block, 1);
    Statement fresh = new Statement(StatementKind.PROPOSAL, 7, 0, block, -1);
    Statement prevote = new Statement(StatementKind.PREVOTE, 7, 2, block, -1);
    Statement timeout = new Statement(StatementKind.TIMEOUT, 7, 2, Statement.NO_BLOCK, 1);
    byte[] s0 = key(0).sign(proposal.signingBytes(CHAIN));
    List<Seed> out = new ArrayList<>();
    out.add(new Seed(0, "proposal-pol", new ConsensusMessage.Proposal(proposal, s0, blockBytes, prevotes)));
    out.add(new Seed(0, "proposal", new ConsensusMessage.Proposal(fresh, key(0).sign(fresh.signingBytes(CHAIN)),
        blockBytes, null)));
    out.add(new Seed(0, "vote", new ConsensusMessage.Vote(prevote, 1, key(1).sign(prevote.signingBytes(CHAIN)), -1,
        s0)));
    out.add(new Seed(0, "timeout", new ConsensusMessage.Timeout(timeout, 2, key(2).sign(timeout.signingBytes(CHAIN)),
        prevotes, blockBytes)));
    out.add(new Seed(0, "status", ConsensusMessage.Status.sign(6, 2, 3, key(3), CHAIN)));
    out.add(new Seed(0, "block-request", ConsensusMessage.BlockRequest.sign(3, 4, 1, key(1), CHAIN)));
    out.add(new Seed(0, "block-response", ConsensusMessage.BlockResponse.sign(3, List.of(blockBytes, new byte[0]),
        List.of(cert(StatementKind.PRECOMMIT, 3, 0, block, 2), cert(StatementKind.PRECOMMIT, 4, 1, block, 1)),
        0, key(0), CHAIN)));
    out.add(new Seed(0, "entries", new ConsensusMessage.EntryBatch(List.of(blockBytes, new byte[] {1}))));
    out.add(new Seed(1, "precommit", cert(StatementKind.PRECOMMIT, 9, 0, block, 3)));
    Statement other = new Statement(StatementKind.PREVOTE, 7, 2, Sha256.hash(blockBytes), -1);
    out.add(new Seed(2, "double-vote", new Equivocation(key(1).publicKey(), prevote,
        key(1).sign(prevote.signingBytes(CHAIN)), other, key(1).sign(other.signingBytes(CHAIN)))));
    return out;
  }
}
