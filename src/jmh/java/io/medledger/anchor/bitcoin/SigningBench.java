package io.medledger.anchor.bitcoin;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import io.medledger.internal.bitcoin.BitcoinCrypto;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bitcoin signing costs beside their ceiling, one fixed-base scalar multiplication (k·G), which
 * every signature needs at least once: ECDSA and BIP 340 sign and verify, and building a signed
 * 3-input anchor transaction (P2PKH + P2WPKH + P2TR).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SigningBench {
  private BitcoinPrivateKey key;
  private Digest hash;
  private EcdsaSignature ecdsa;
  private byte[] schnorr;
  private byte[] xOnly;
  private byte[] aux;
  private BigInteger scalar;
  private AnchorTransactionBuilder builder;
  private Digest commitment;

  @Setup
  public void setup() {
    SecureRandom r = new SecureRandom(new byte[] {1});
    key = BitcoinPrivateKey.generate(Network.REGTEST, r);
    hash = Sha256.hash("message".getBytes());
    ecdsa = key.signEcdsa(hash);
    aux = new byte[32];
    schnorr = key.signSchnorr(hash.toByteArray(), aux);
    xOnly = key.publicKey().xOnly();
    scalar = new BigInteger(1, key.exportSecretBytes());
    commitment = Sha256.hash("root".getBytes());
    byte[] t = new byte[32];
    List<Utxo> utxos = List.of(
        new Utxo(new OutPoint(Digest.of(t), 0), 500, key.publicKey().p2pkhScript()),
        new Utxo(new OutPoint(Digest.of(t), 1), 300, key.publicKey().p2wpkhScript()),
        new Utxo(new OutPoint(Digest.of(t), 2), 290, key.publicKey().p2trScript()));
    builder = AnchorTransactionBuilder.create(key, Address.fromScript(key.publicKey().p2wpkhScript(), Network.REGTEST))
        .addUtxos(utxos).feeRate(FeeRate.ofSatPerVbyte(3)).random(r);
    if (builder.build(commitment).transaction().inputs().size() != 3) {
      throw new IllegalStateException("benchmark transaction must have 3 inputs");
    }
  }

  /** Ceiling: one fixed-base scalar multiplication. */
  @Benchmark
  public Object scalarMulG() {
    return BitcoinCrypto.mulG(scalar);
  }

  @Benchmark
  public EcdsaSignature ecdsaSign() {
    return key.signEcdsa(hash);
  }

  @Benchmark
  public boolean ecdsaVerify() {
    return key.publicKey().verifyEcdsa(hash, ecdsa, true);
  }

  @Benchmark
  public byte[] schnorrSign() {
    return key.signSchnorr(hash.toByteArray(), aux);
  }

  @Benchmark
  public boolean schnorrVerify() {
    return SchnorrSignatures.verify(xOnly, hash.toByteArray(), schnorr);
  }

  @Benchmark
  public AnchorTransaction buildAnchor3Inputs() {
    return builder.build(commitment);
  }
}
