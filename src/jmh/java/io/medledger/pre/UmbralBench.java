package io.medledger.pre;

import io.medledger.internal.umbral.CurvePoint;
import io.medledger.internal.umbral.Secp256k1;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.math.ec.ECPoint;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Umbral operations beside their ceiling, one secp256k1 scalar multiplication, in the same run.
 *
 * <p>Theoretical number of scalar multiplications per operation (variable- or fixed-base; an ECDSA
 * verification counts as two, a signature as one fixed-base multiplication):
 *
 * <table>
 * <caption>scalar multiplications per operation</caption>
 * <tr><th>benchmark</th><th>count</th><th>which</th></tr>
 * <tr><td>scalarMulVariableBase</td><td>1</td><td>k·P, P fresh (no cached table)</td></tr>
 * <tr><td>scalarMulFixedBaseG</td><td>1</td><td>k·G with the precomputed comb (variable time)</td></tr>
 * <tr><td>ctScalarMulVariableBase</td><td>1</td><td>k·P in constant time (fixed window, complete formulas)</td></tr>
 * <tr><td>ctScalarMulFixedBaseG</td><td>1</td><td>k·G in constant time (precomputed window table)</td></tr>
 * <tr><td>encrypt</td><td>3</td><td>r·G, u·G, (r+u)·A</td></tr>
 * <tr><td>decryptOriginal</td><td>1</td><td>a·(E+V)</td></tr>
 * <tr><td>generateKFrags2of3</td><td>11</td><td>x·G, x·B, then per fragment rk·U and two ECDSA signatures</td></tr>
 * <tr><td>generateKFrags3of5</td><td>17</td><td>2 + 3·5</td></tr>
 * <tr><td>verifyKFrag</td><td>3</td><td>key·U, ECDSA verification (2)</td></tr>
 * <tr><td>reencrypt</td><td>5</td><td>rk·E, rk·V, τ·E, τ·V, τ·U</td></tr>
 * <tr><td>verifyCFrag</td><td>8</td><td>ECDSA verification (2), z·E, h·E1, z·V, h·V1, z·U, h·U1</td></tr>
 * <tr><td>decryptReencrypted2</td><td>8</td><td>b·X, Σλ·E1 (2), Σλ·V1 (2), (s/d)·A, h·E', d·(E'+V')</td></tr>
 * <tr><td>decryptReencrypted3</td><td>10</td><td>as above with three fragments</td></tr>
 * </table>
 *
 * <p>BouncyCastle caches multiplication tables on point objects, so each invocation works on
 * fresh copies of the points it receives (capsule, fragments, public keys), as a party that just
 * parsed them would; copying affine coordinates costs well under a microsecond.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class UmbralBench {
  private final SecureRandom random = new SecureRandom();
  private BigInteger k;
  private ECPoint p;
  private SecretKey alice;
  private SecretKey bob;
  private Signer signer;
  private byte[] plaintext;
  private Capsule capsule;
  private byte[] ciphertext;
  private List<VerifiedKeyFrag> kfrags;
  private List<VerifiedCapsuleFrag> cfrags;
  private List<VerifiedCapsuleFrag> cfrags2of3;

  @Setup
  public void setUp() {
    k = new BigInteger(256, random).mod(Secp256k1.N);
    p = Secp256k1.mulG(new BigInteger(256, random).mod(Secp256k1.N)).normalize();
    alice = SecretKey.random();
    bob = SecretKey.random();
    signer = new Signer(SecretKey.random());
    plaintext = new byte[256];
    random.nextBytes(plaintext);
    EncryptionResult enc = Umbral.encrypt(alice.publicKey(), plaintext);
    capsule = enc.capsule();
    ciphertext = enc.ciphertext();
    kfrags = Umbral.generateKFrags(alice, bob.publicKey(), signer, 3, 5, true, true);
    cfrags = new ArrayList<>();
    for (VerifiedKeyFrag kf : kfrags) {
      cfrags.add(Umbral.reencrypt(capsule, kf));
    }
    cfrags2of3 = new ArrayList<>();
    for (VerifiedKeyFrag kf : Umbral.generateKFrags(alice, bob.publicKey(), signer, 2, 3, true, true)) {
      cfrags2of3.add(Umbral.reencrypt(capsule, kf));
    }
  }

  private static CurvePoint fresh(CurvePoint q) {
    ECPoint e = q.ec();
    return CurvePoint.of(Secp256k1.CURVE.createPoint(e.getAffineXCoord().toBigInteger(),
        e.getAffineYCoord().toBigInteger()));
  }

  private static PublicKey fresh(PublicKey key) {
    return new PublicKey(fresh(key.point()));
  }

  private static Capsule fresh(Capsule c) {
    return new Capsule(fresh(c.e()), fresh(c.v()), c.s());
  }

  private static CapsuleFrag fresh(CapsuleFrag c) {
    return new CapsuleFrag(fresh(c.e1()), fresh(c.v1()), c.kfragIdUnsafe(), fresh(c.precursor()), fresh(c.e2()),
        fresh(c.v2()), fresh(c.u1()), fresh(c.u2()), c.z(), c.kfragSignature());
  }

  private static List<VerifiedCapsuleFrag> freshCfrags(List<VerifiedCapsuleFrag> from, int n) {
    List<VerifiedCapsuleFrag> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new VerifiedCapsuleFrag(fresh(from.get(i).cfrag())));
    }
    return out;
  }

  /** Ceiling: one variable-base multiplication on a fresh point. */
  @Benchmark
  public ECPoint scalarMulVariableBase() {
    ECPoint q = Secp256k1.CURVE.createPoint(p.getAffineXCoord().toBigInteger(), p.getAffineYCoord().toBigInteger());
    return q.multiply(k);
  }

  /** Ceiling for fixed bases: k·G with the comb (variable time; what secret scalars used before issue 13). */
  @Benchmark
  public ECPoint scalarMulFixedBaseG() {
    return Secp256k1.mulGVarTime(k);
  }

  /** Constant-time k·P on a fresh point (what every secret scalar now uses for a variable base). */
  @Benchmark
  public ECPoint ctScalarMulVariableBase() {
    ECPoint q = Secp256k1.CURVE.createPoint(p.getAffineXCoord().toBigInteger(), p.getAffineYCoord().toBigInteger());
    return Secp256k1.mul(q, k);
  }

  /** Constant-time k·G with its precomputed 16-entry table (what every secret scalar now uses for G). */
  @Benchmark
  public ECPoint ctScalarMulFixedBaseG() {
    return Secp256k1.mulG(k);
  }

  @Benchmark
  public EncryptionResult encrypt() {
    return Umbral.encrypt(fresh(alice.publicKey()), plaintext);
  }

  @Benchmark
  public byte[] decryptOriginal() throws DecryptionException {
    return Umbral.decryptOriginal(alice, fresh(capsule), ciphertext);
  }

  @Benchmark
  public List<VerifiedKeyFrag> generateKFrags2of3() {
    return Umbral.generateKFrags(alice, fresh(bob.publicKey()), signer, 2, 3, true, true);
  }

  @Benchmark
  public List<VerifiedKeyFrag> generateKFrags3of5() {
    return Umbral.generateKFrags(alice, fresh(bob.publicKey()), signer, 3, 5, true, true);
  }

  @Benchmark
  public Verification<VerifiedKeyFrag> verifyKFrag() {
    return kfrags.get(0).kfrag().verify(fresh(signer.verifyingKey()), alice.publicKey(), bob.publicKey());
  }

  @Benchmark
  public VerifiedCapsuleFrag reencrypt() {
    return Umbral.reencrypt(fresh(capsule), kfrags.get(1));
  }

  @Benchmark
  public Verification<VerifiedCapsuleFrag> verifyCFrag() {
    return fresh(cfrags.get(2).cfrag()).verify(fresh(capsule), fresh(signer.verifyingKey()), alice.publicKey(),
        bob.publicKey());
  }

  /** Threshold decryption from 2 fragments of a 2-of-3 set. */
  @Benchmark
  public byte[] decryptReencrypted2() throws DecryptionException {
    return Umbral.decryptReencrypted(bob, fresh(alice.publicKey()), fresh(capsule), freshCfrags(cfrags2of3, 2),
        ciphertext);
  }

  /** Threshold decryption from 3 fragments of a 3-of-5 set. */
  @Benchmark
  public byte[] decryptReencrypted3() throws DecryptionException {
    return Umbral.decryptReencrypted(bob, fresh(alice.publicKey()), fresh(capsule), freshCfrags(cfrags, 3),
        ciphertext);
  }
}
