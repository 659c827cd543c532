package io.medledger.internal.bench;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The CPU time of one Ed25519 verification on this machine now: the yardstick that the benchmarks
 * divide their CPU per entry by. Stateless.
 */
public final class Ed25519Yardstick {
  private static final int ROUNDS = 7;
  private static final int WARM_UP_ROUNDS = 3;

  private Ed25519Yardstick() {}

  /**
   * Median, over 7 rounds after 3 of warm-up, of the calling thread's CPU microseconds per
   * verification of {@code count} distinct messages of {@code messageBytes} bytes, each signed by a
   * key of its own.
   *
   * @throws IllegalArgumentException if {@code count} is not 1..1,000,000 or {@code messageBytes}
   *     not 0..65,536
   * @throws IllegalStateException if a valid signature fails to verify
   */
  public static double microsPerVerification(int count, int messageBytes) {
    if (count < 1 || count > 1_000_000 || messageBytes < 0 || messageBytes > 65_536) {
      throw new IllegalArgumentException("count must be 1..1000000 and messageBytes 0..65536");
    }
    SecureRandom random = new SecureRandom();
    Ed25519PublicKey[] keys = new Ed25519PublicKey[count];
    byte[][] messages = new byte[count][messageBytes];
    byte[][] signatures = new byte[count][];
    for (int i = 0; i < count; i++) {
      Ed25519PrivateKey k = Ed25519PrivateKey.generate(random);
      random.nextBytes(messages[i]);
      keys[i] = k.publicKey();
      signatures[i] = k.sign(messages[i]);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] micros = new double[ROUNDS];
    long ok = 0;
    for (int round = -WARM_UP_ROUNDS; round < ROUNDS; round++) {
      long t0 = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < count; i++) {
        ok += keys[i].verify(messages[i], signatures[i]) ? 1 : 0;
      }
      long t1 = threads.getCurrentThreadCpuTime();
      if (round >= 0) {
        micros[round] = (t1 - t0) / 1e3 / count;
      }
    }
    if (ok != (long) (ROUNDS + WARM_UP_ROUNDS) * count) {
      throw new IllegalStateException("a valid signature failed to verify");
    }
    Arrays.sort(micros);
    return micros[ROUNDS / 2];
  }
}
