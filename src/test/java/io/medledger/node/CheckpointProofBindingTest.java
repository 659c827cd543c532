package io.medledger.node;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.chain.Entry;
import io.medledger.chain.Ledger;
import io.medledger.crypto.Ed25519PublicKey;
import io.medledger.internal.node.ClientWire;
import io.medledger.merkle.InclusionProof;
import io.medledger.storage.FileBlockStore;
import io.medledger.testing.BitFlips;
import io.medledger.tlog.CheckpointPublisher;
import io.medledger.tlog.CheckpointStore;
import io.medledger.tlog.CheckpointVerdict;
import io.medledger.tlog.CheckpointVerifier;
import io.medledger.tlog.NoteKeyBinding;
import io.medledger.tlog.NoteSigner;
import io.medledger.tlog.SignedNote;
import io.medledger.tlog.TileLog;
import io.medledger.tlog.VerifiedCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every byte of a node's CHECKPOINT answer (the signed note, the servers' key bindings and the
 * entry's inclusion proof, as {@link NodeClient} reads them) is bound: a mutation is refused when
 * read, refused when a client verifies it against the federation, or verifies to the very same
 * checkpoint and proof.
 */
@Timeout(120)
class CheckpointProofBindingTest {
  @TempDir Path dir;

  @Test
  void everyByteOfACheckpointAnswerIsBound() {
    TileLog log = TileLog.open(dir.resolve("log"));
    ChainFixture f = ChainFixture.builder().federationServers(2).auditServers(2)
        .store(FileBlockStore.open(dir.resolve("blocks"))).log(log).build();
    try {
      Actor alice = f.actor("alice");
      Entry entry = f.registerPatient(alice);
      f.commit(entry);
      f.commit(f.registerPatient(f.actor("bob")));
      CheckpointStore store = CheckpointStore.open(dir.resolve("log"));
      List<NoteKeyBinding> bindings = new ArrayList<>();
      SignedNote note = null;
      BlockHeader tip = f.ledger.tip().orElseThrow();
      for (Actor server : f.federation) {
        NoteSigner s = NoteSigner.forServer(f.params.chainId(), server.key());
        bindings.add(NoteKeyBinding.create(server.key(), s.verifierKey()));
        note = new CheckpointPublisher(f.params.chainId(), log, s, store).publish(tip);
      }
      Ledger ledger = f.ledger;
      long index = ledger.locate(entry.id()).orElseThrow().ledgerIndex();
      InclusionProof proof = log.inclusionProof(index, log.size());
      List<Ed25519PublicKey> federation = f.federation.stream().map(Actor::publicKey).toList();
      byte[] answer = ClientWire.ok(ClientWire.checkpointBody(note.toBytes(),
          bindings.stream().map(NoteKeyBinding::encode).toList(), proof));
      BitFlips.assertEveryByteIsBound("checkpoint answer", answer, 2, r -> {
        CheckpointProof p;
        try {
          p = NodeClient.checkpointOf(r);
        } catch (SubmissionRefusedException e) {
          return null; // the OK byte turned into a refusal: the client is refused
        }
        CheckpointVerifier policy;
        try {
          policy = CheckpointVerifier.forFederation(f.params.chainId(), federation, p.bindings(), 2);
        } catch (IllegalArgumentException e) {
          return null; // fewer valid bindings than servers required: the client refuses
        }
        CheckpointVerdict v = policy.verify(p.note(), Long.MAX_VALUE / 2);
        VerifiedCheckpoint c = v.checkpoint().orElse(null);
        if (c == null || p.inclusion().isEmpty() || !c.includes(entry.leafHash(), p.inclusion().get())) {
          return null;
        }
        return List.of(c.checkpoint(), p.inclusion().get());
      });
    } finally {
      f.ledger.close();
    }
  }
}
