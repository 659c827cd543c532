package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.chain.AccessRevocation;
import io.medledger.chain.ChainParameters;
import io.medledger.chain.Entry;
import io.medledger.consensus.Protocols;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Sha256;
import io.medledger.internal.node.ClientWire;
import io.medledger.internal.node.LedgerWire;
import io.medledger.merkle.MerkleLog;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A receipt a node hands to a client's query (shown beside each record) must be one of this
 * entry, anchored by a commitment to this chain, at the entry's place in the anchored log: a node
 * answering another chain's receipt, one for another index, or a proof that does not reach the
 * anchored root is skipped.
 */
@Timeout(60)
class HostileReceiptTest {
  private static final String CHAIN = "hostile-receipt-test";
  private static final Digest CHAIN_ID = ChainParameters.defaults(CHAIN).chainId();

  /** A transaction that parses (one input, one output); the Bitcoin part is not what is checked here. */
  private static final byte[] TX = io.medledger.codec.Hex.decode("01000000" + "01" + "00".repeat(32) + "ffffffff" + "00"
      + "ffffffff" + "01" + "0000000000000000" + "00" + "00000000");

  private static AnchorReceipt receipt(byte[] entry, MerkleLog log, Digest chainId, Digest root) {
    AnchorCommitment c = new AnchorCommitment(chainId, 5, log.size(), root);
    return AnchorReceipt.pending(entry, log.inclusionProof(2, log.size()), c).complete(new AnchorReceipt.BitcoinPart(
        "regtest", TX, MerkleBranch.fromTxids(List.of(io.medledger.anchor.bitcoin.Transaction.parse(TX).txid()), 0),
        150));
  }

  @Test
  void aReceiptWhoseLedgerPartDoesNotHoldIsSkipped() {
    Entry e = Entry.sign(new AccessRevocation(ParticipantId.of(Ed25519PrivateKey.generate().publicKey()),
        Sha256.hash(new byte[] {1}), 1, List.of()), CHAIN_ID, Ed25519PrivateKey.generate());
    MerkleLog log = new MerkleLog();
    log.append(new byte[] {0});
    log.append(new byte[] {1});
    log.append(e.encode());
    log.append(new byte[] {3});
    AtomicReference<AnchorReceipt> served = new AtomicReference<>();
    RequestHandler node = (who, req) -> CompletableFuture.completedFuture(req[0] == ClientWire.CHAIN
        ? new LedgerWire.Writer(ClientWire.OK).string(CHAIN).digest(CHAIN_ID).string(Protocols.names().get(0)).toBytes()
        : ClientWire.receiptResponse(Optional.of(served.get().toJson())));
    Ed25519PrivateKey nodeKey = Ed25519PrivateKey.generate();
    Ed25519PrivateKey client = Ed25519PrivateKey.generate();
    try (NodeEndpoint ep = NodeEndpoint.start(new PeerAddress("127.0.0.1", 0), TlsIdentity.of(nodeKey),
        client.publicKey()::equals, node, TransportLimits.defaults());
        RemoteConnection c = RemoteConnection.builder(TlsIdentity.of(client))
            .node(nodeKey.publicKey(), ep.boundAddress(), ServerRole.FEDERATION).build()) {
      served.set(receipt(e.encode(), log, ChainParameters.defaults("another-chain").chainId(), log.root()));
      assertTrue(c.receipt(e.id(), 2).isEmpty(), "a commitment to another chain");
      served.set(receipt(e.encode(), log, CHAIN_ID, Sha256.hash(new byte[] {4})));
      assertTrue(c.receipt(e.id(), 2).isEmpty(), "a proof that does not reach the anchored root");
      served.set(receipt(e.encode(), log, CHAIN_ID, log.root()));
      assertTrue(c.receipt(e.id(), 1).isEmpty(), "a receipt of the entry at another index");

      assertEquals(e.id(), Entry.decode(c.receipt(e.id(), 2).orElseThrow().entry()).id(), "a receipt that holds");
    }
  }
}
