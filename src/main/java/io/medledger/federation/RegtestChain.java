package io.medledger.federation;

import io.medledger.anchor.AnchorCommitment;
import io.medledger.anchor.AnchorReceipt;
import io.medledger.anchor.AnchorWallet;
import io.medledger.anchor.SignedTransaction;
import io.medledger.anchor.WalletTransactionFactory;
import io.medledger.anchor.bitcoin.Address;
import io.medledger.anchor.bitcoin.BitcoinBlockHeader;
import io.medledger.anchor.bitcoin.BitcoinChainParams;
import io.medledger.anchor.bitcoin.BitcoinPrivateKey;
import io.medledger.anchor.bitcoin.HeaderSource;
import io.medledger.anchor.bitcoin.MerkleBranch;
import io.medledger.anchor.bitcoin.Network;
import io.medledger.anchor.bitcoin.OutPoint;
import io.medledger.anchor.bitcoin.Transaction;
import io.medledger.anchor.bitcoin.TxOutput;
import io.medledger.anchor.bitcoin.Utxo;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.merkle.BitcoinMerkle;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A private, in-process Bitcoin regtest chain for demos and tests without a network: it funds a
 * regtest key, builds and signs a real anchor transaction (OP_RETURN commitment, P2WPKH input,
 * change) with {@link WalletTransactionFactory}, and "confirms" it in a block it mines itself
 * (real proof of work at regtest difficulty, headers linked by hash). It serves its headers as
 * a {@link HeaderSource}, so receipts verify offline exactly as against Bitcoin Core. Nothing here
 * is a mainnet or testnet confirmation.
 *
 * <p>Thread-safe (synchronized).
 */
public final class RegtestChain implements HeaderSource {
  private static final long FUNDING = 100_000;
  private final SecureRandom random;
  private final BitcoinPrivateKey key;
  private final Address change;
  private final List<BitcoinBlockHeader> headers = new ArrayList<>();
  private long time = 1_780_000_000L;

  /**
   * One anchor transaction confirmed in a mined block.
   *
   * @param txid the anchor transaction id
   * @param bitcoin where it confirmed, for {@link AnchorReceipt#complete}
   * @param header the mined block header
   */
  public record Confirmation(Digest txid, AnchorReceipt.BitcoinPart bitcoin, BitcoinBlockHeader header) {}

  /** A chain with a fresh regtest key drawn from {@code random}. */
  public RegtestChain(SecureRandom random) {
    this.random = random;
    this.key = BitcoinPrivateKey.generate(Network.REGTEST, random);
    this.change = Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST);
    // Bitcoin Core's regtest genesis block; anchors confirm from height 1 on.
    headers.add(BitcoinBlockHeader.of(1, Digest.of(new byte[32]),
        Digest.fromHex("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b").reversed(),
        1_296_688_602L, 0x207fffff, 2));
  }

  /** Builds and signs an anchor transaction for {@code commitment} and mines a block around it. */
  public synchronized Confirmation confirm(AnchorCommitment commitment) {
    byte[] op = new byte[32];
    random.nextBytes(op);
    Utxo coin = new Utxo(new OutPoint(Digest.of(op), 0), FUNDING, key.publicKey().p2wpkhScript());
    AnchorWallet wallet = new AnchorWallet() {
      @Override
      public List<Utxo> unspent() {
        return List.of(coin);
      }

      @Override
      public Optional<TxOutput> output(OutPoint o) {
        return o.equals(coin.outPoint()) ? Optional.of(coin.toOutput()) : Optional.empty();
      }
    };
    SignedTransaction signed = new WalletTransactionFactory(key, change, wallet).create(commitment.digest(), 2);
    Transaction tx = Transaction.parse(signed.raw());
    long height = headers.size();
    List<Digest> txids = new ArrayList<>();
    txids.add(Sha256.doubleHash(ByteBuffer.allocate(16).putLong(height).putLong(time).array()));
    txids.add(tx.txid());
    Digest prev = headers.get(headers.size() - 1).hash();
    BitcoinBlockHeader h;
    for (long nonce = 0; ; nonce++) {
      h = BitcoinBlockHeader.of(0x20000000, prev, BitcoinMerkle.root(txids), time, 0x207fffff, nonce);
      if (h.checkProofOfWork(BitcoinChainParams.REGTEST)) {
        break;
      }
    }
    headers.add(h);
    time += 600;
    AnchorReceipt.BitcoinPart part = new AnchorReceipt.BitcoinPart("regtest", tx.serializeWithoutWitness(),
        MerkleBranch.fromTxids(txids, 1), height);
    return new Confirmation(tx.txid(), part, h);
  }

  @Override
  public synchronized Optional<BitcoinBlockHeader> headerAt(long height) {
    return height >= 0 && height < headers.size() ? Optional.of(headers.get((int) height)) : Optional.empty();
  }

  @Override
  public synchronized Optional<HeightAndHeader> headerByHash(Digest blockHash) {
    for (int i = 0; i < headers.size(); i++) {
      if (headers.get(i).hash().equals(blockHash)) {
        return Optional.of(new HeightAndHeader(i, headers.get(i)));
      }
    }
    return Optional.empty();
  }

  @Override
  public synchronized OptionalLong bestHeight() {
    return headers.isEmpty() ? OptionalLong.empty() : OptionalLong.of(headers.size() - 1);
  }

  @Override
  public String toString() {
    return "RegtestChain[" + headers.size() + " blocks]";
  }
}
