package io.medledger.crypto;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link Ed25519Signatures#verifyAll} beside its peer, {@link Ed25519PublicKey#verify} called once
 * per signature, on the same {@code n} signatures of 300-byte messages (the size of a ledger
 * entry), {@code perKey} signatures under each key (1: every signer new, as patients registering;
 * 4: signers that sign again, whose terms a batch merges). Both decode each distinct key from its
 * 32 bytes on every call, as a node does for the entries of a block it receives. Both report the
 * time for all {@code n}; their ratio is the gain per signature.
 */
@State(Scope.Thread)
public class BatchVerifyBench {
  @Param({"1", "8", "16", "64", "500"})
  int n;

  @Param({"1", "4"})
  int perKey;

  byte[][] distinctKeys;
  int[] keyOf;
  List<byte[]> messages;
  List<byte[]> signatures;
  SecureRandom random;

  @Setup
  public void setUp() {
    random = new SecureRandom();
    List<Ed25519PrivateKey> signers = new ArrayList<>();
    for (int i = 0; i < Math.max(1, n / perKey); i++) {
      signers.add(Ed25519PrivateKey.generate(random));
    }
    distinctKeys = new byte[signers.size()][];
    for (int i = 0; i < signers.size(); i++) {
      distinctKeys[i] = signers.get(i).publicKey().toBytes();
    }
    keyOf = new int[n];
    messages = new ArrayList<>();
    signatures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Ed25519PrivateKey k = signers.get(i % signers.size());
      byte[] m = new byte[300];
      random.nextBytes(m);
      keyOf[i] = i % signers.size();
      messages.add(m);
      signatures.add(k.sign(m));
    }
    if (!batch() || !oneAtATime()) {
      throw new IllegalStateException("valid signatures did not verify");
    }
  }

  private List<Ed25519PublicKey> decodeKeys() {
    Ed25519PublicKey[] decoded = new Ed25519PublicKey[distinctKeys.length];
    for (int i = 0; i < decoded.length; i++) {
      decoded[i] = Ed25519PublicKey.fromBytes(distinctKeys[i]);
    }
    List<Ed25519PublicKey> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(decoded[keyOf[i]]);
    }
    return keys;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public boolean batch() {
    return Ed25519Signatures.verifyAll(decodeKeys(), messages, signatures, random);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public boolean oneAtATime() {
    List<Ed25519PublicKey> keys = decodeKeys();
    boolean ok = true;
    for (int i = 0; i < n; i++) {
      ok &= keys.get(i).verify(messages.get(i), signatures.get(i));
    }
    return ok;
  }
}
