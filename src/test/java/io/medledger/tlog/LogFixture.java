package io.medledger.tlog;

import io.medledger.chain.BlockHeader;
import io.medledger.chain.ChainFixture;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.storage.FileBlockStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A node data directory {@code dir/blocks} + {@code dir/log} whose federation servers sign a
 * checkpoint for every block, with witnesses cosigning through the add-checkpoint protocol.
 */
final class LogFixture implements AutoCloseable {
  final ChainFixture chain;
  final TileLog log;
  final CheckpointStore checkpoints;
  final List<CheckpointPublisher> publishers = new ArrayList<>();
  final List<NoteSigner> signers = new ArrayList<>();
  final List<SpecWitness> witnesses = new ArrayList<>();
  final String origin;

  LogFixture(Path dir, int witnessCount) {
    log = TileLog.open(dir.resolve("log"));
    chain = ChainFixture.builder().federationServers(2).auditServers(2)
        .store(FileBlockStore.open(dir.resolve("blocks"))).log(log).build();
    checkpoints = CheckpointStore.open(dir.resolve("log"));
    origin = Checkpoint.originOf(chain.params.chainId());
    for (Actor f : chain.federation) {
      NoteSigner s = NoteSigner.derive(origin + "/" + f.id().digest().toHex().substring(0, 16), f.key());
      signers.add(s);
      publishers.add(new CheckpointPublisher(chain.params.chainId(), log, s, checkpoints));
    }
    for (int i = 0; i < witnessCount; i++) {
      NoteSigner first = signers.get(0);
      witnesses.add(new SpecWitness("witness.example/w" + i, Ed25519PrivateKey.generate(), origin,
          first.verifierKey().name(), first.verifierKey().publicKey()));
    }
    List<NoteKey> keys = new ArrayList<>();
    signers.forEach(s -> keys.add(s.verifierKey()));
    witnesses.forEach(w -> keys.add(NoteKey.parse(w.vkey())));
    checkpoints.putVerifierKeys(keys);
    publishAll();
  }

  List<NoteKey> witnessKeys() {
    return witnesses.stream().map(w -> NoteKey.parse(w.vkey())).toList();
  }

  CheckpointVerifier policy() {
    return new CheckpointVerifier(origin, signers.stream().map(NoteSigner::verifierKey).toList(), 2, List.of(), 0, 0);
  }

  /** Every server signs the tip's checkpoint; every witness is asked to cosign it. */
  SignedNote publishAll() {
    BlockHeader tip = chain.ledger.tip().orElseThrow();
    SignedNote note = null;
    for (CheckpointPublisher p : publishers) {
      note = p.publish(tip);
    }
    for (SpecWitness w : witnesses) {
      CheckpointPublisher p = publishers.get(0);
      SpecWitness.Response r = w.addCheckpoint(p.witnessRequest(w.size()).encode());
      if (r.status() == 409) {
        long theirs = Long.parseLong(new String(r.body(), StandardCharsets.US_ASCII).trim());
        r = w.addCheckpoint(p.witnessRequest(theirs).encode());
      }
      if (r.status() != 200) {
        throw new AssertionError("witness refused: " + r.status());
      }
      SignedNote withCosig = SignedNote.parse(concat(note.toBytes(), r.body()));
      CheckpointVerdict v = p.addSignatures(withCosig,
          policy().requireWitnesses(witnessKeys(), 0), w.clock + 1);
      if (!v.isVerified()) {
        throw new AssertionError(v.toString());
      }
      note = checkpoints.latest().orElseThrow();
    }
    return note;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public void close() {
    chain.ledger.close();
  }
}
