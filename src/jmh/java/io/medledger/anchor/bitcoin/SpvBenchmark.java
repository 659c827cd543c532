package io.medledger.anchor.bitcoin;

import io.medledger.anchor.ots.OtsTimestamp;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * SPV and OpenTimestamps costs beside their ceiling, raw SHA-256d of an 80-byte header (or of a
 * 64-byte Merkle node). Headers are mined in setup under an easy proof-of-work limit, which costs
 * the same to check as mainnet's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class SpvBenchmark {
  private static final int PERIOD = 2016;

  private BitcoinChainParams params;
  private BitcoinBlockHeader genesis;
  private List<BitcoinBlockHeader> headers;
  private byte[] headerBytes;
  private byte[] nodeBytes;
  private MerkleBranch branch;
  private BitcoinBlockHeader branchHeader;
  private byte[] otsBytes;
  private OtsTimestamp ots;
  private FileHeaderSource otsHeaders;

  @Setup
  public void setup() {
    BigInteger limit = new BigInteger("7fffff", 16).shiftLeft(232);
    int bits = 0x200fffff;
    BitcoinChainParams probe = new BitcoinChainParams("bench", Digest.of(new byte[32]), limit, PERIOD, 1_209_600,
        false, 0, 0, 0);
    genesis = mine(probe, Digest.of(new byte[32]), 1, 1_600_000_000L, bits);
    params = new BitcoinChainParams("bench", genesis.hash(), limit, PERIOD, 1_209_600, false, 0, 0, 0);
    headers = new ArrayList<>();
    BitcoinBlockHeader prev = genesis;
    for (int i = 1; i < PERIOD; i++) {
      prev = mine(params, prev.hash(), i + 1, 1_600_000_000L + 600L * i, bits);
      headers.add(prev);
    }
    headerBytes = genesis.serialize();
    nodeBytes = new byte[64];

    Random rnd = new Random(1);
    List<Digest> txids = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      byte[] b = new byte[32];
      rnd.nextBytes(b);
      txids.add(Digest.of(b));
    }
    // An entry digest carried by RFC 9162-style steps to a commitment, which a 235-byte
    // transaction holds at offset 190; the transaction is the 1234th of a 3000-tx block.
    OtsTimestamp.Builder b = OtsTimestamp.builder(Sha256.hash("entry".getBytes()).toByteArray())
        .prepend(new byte[] {0}).sha256()
        .prepend(new byte[] {1}).append(txids.get(0).toByteArray()).sha256();
    byte[] commitment = b.currentMessage();
    byte[] tx = new byte[235];
    rnd.nextBytes(tx);
    System.arraycopy(commitment, 0, tx, 190, 32);
    txids.set(1234, Sha256.doubleHash(tx));
    branch = MerkleBranch.fromTxids(txids, 1234);
    branchHeader = mine(params, Digest.of(new byte[32]), branch.computeRoot(), 1_700_000_000L, bits);
    ots = b.bitcoinTransaction(tx, 190).merkleBranch(branch).attestBitcoin(800_000L);
    otsBytes = ots.serialize();
    otsHeaders = FileHeaderSource.of(Map.of(800_000L, branchHeader));
  }

  private static BitcoinBlockHeader mine(BitcoinChainParams p, Digest prev, int root, long time, int bits) {
    return mine(p, prev, Sha256.hash(new byte[] {(byte) root, (byte) (root >> 8)}), time, bits);
  }

  private static BitcoinBlockHeader mine(BitcoinChainParams p, Digest prev, Digest r, long time, int bits) {
    for (long nonce = 0; ; nonce++) {
      BitcoinBlockHeader h = BitcoinBlockHeader.of(4, prev, r, time, bits, nonce);
      if (h.checkProofOfWork(p)) {
        return h;
      }
    }
  }

  /** Ceiling: SHA-256d of 80 bytes. */
  @Benchmark
  public Digest rawHeaderDoubleSha256() {
    return Sha256.doubleHash(headerBytes);
  }

  /** Parse 80 bytes (hashes them) and check proof of work. */
  @Benchmark
  public boolean headerParseAndPow() {
    return BitcoinBlockHeader.parse(headerBytes).checkProofOfWork(params);
  }

  /** Full contextual validation, per header, over a 2016-header period. */
  @Benchmark
  @OperationsPerInvocation(PERIOD - 1)
  public ChainedHeader headerChainAppendPerHeader() {
    HeaderChain chain = HeaderChain.fromGenesis(params, genesis);
    for (BitcoinBlockHeader h : headers) {
      if (!chain.append(h).accepted()) {
        throw new IllegalStateException("rejected");
      }
    }
    return chain.tip();
  }

  /** Ceiling for a Merkle branch: one SHA-256d of a 64-byte node. */
  @Benchmark
  public Digest rawNodeDoubleSha256() {
    return Sha256.doubleHash(nodeBytes);
  }

  /** A 12-level Merkle branch folded to its root and compared. */
  @Benchmark
  public boolean merkleBranchVerify() {
    return branch.leadsTo(branchHeader);
  }

  /** Parse a proof of 6 ledger steps, 4 transaction steps and a 12-level branch (recomputing its messages). */
  @Benchmark
  public OtsTimestamp otsParse() {
    return OtsTimestamp.parse(otsBytes);
  }

  /** Verify that proof's Bitcoin attestation against a header source. */
  @Benchmark
  public boolean otsVerify() {
    return ots.verifyBitcoin(otsHeaders, params).holds();
  }
}
