package io.medledger.cli;

import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.crypto.Ed25519PublicKey;
import java.io.InputStream;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * {@code medledger bench ingest|query ...}: see {@link IngestBench}.
 *
 * <p>{@code medledger bench ed25519-verify [--count N]}: the CPU time of one Ed25519 verification on
 * this machine now (median of 7 rounds of N verifications of distinct 150-byte messages, after a
 * warm-up), as {@code ed25519_verify_us=X}: the yardstick that {@code scripts/node-bench.sh}
 * divides each node's CPU per final entry by.
 */
final class BenchCommand implements Command {
  @Override
  public int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws java.io.IOException {
    if (args.length > 0 && args[0].equals("ingest")) {
      return IngestBench.ingest(Args.parse(args, 1), out);
    }
    if (args.length > 0 && args[0].equals("query")) {
      return IngestBench.query(Args.parse(args, 1), out);
    }
    if (args.length == 0 || !args[0].equals("ed25519-verify")) {
      throw new CliException("usage: medledger bench ed25519-verify [--count N] | ingest --dir D --entries N"
          + " [--block B] [--seed S] [--window W] | query --dir D [--count Q] [--seed S]");
    }
    Args a = Args.parse(args, 1);
    int count = (int) a.optionalLong("count", 2000);
    a.rejectUnknown();
    if (count < 10 || count > 1_000_000) {
      throw new CliException("--count must be 10..1000000");
    }
    SecureRandom r = new SecureRandom();
    Ed25519PublicKey[] keys = new Ed25519PublicKey[count];
    byte[][] msgs = new byte[count][150];
    byte[][] sigs = new byte[count][];
    for (int i = 0; i < count; i++) {
      Ed25519PrivateKey k = Ed25519PrivateKey.generate(r);
      r.nextBytes(msgs[i]);
      keys[i] = k.publicKey();
      sigs[i] = k.sign(msgs[i]);
    }
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    double[] us = new double[7];
    int ok = 0;
    for (int round = -3; round < us.length; round++) {
      long t0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < count; i++) {
        ok += keys[i].verify(msgs[i], sigs[i]) ? 1 : 0;
      }
      long t1 = mx.getCurrentThreadCpuTime();
      if (round >= 0) {
        us[round] = (t1 - t0) / 1e3 / count;
      }
    }
    if (ok != 10 * count) {
      throw new IllegalStateException("a valid signature failed to verify");
    }
    Arrays.sort(us);
    out.printf("ed25519_verify_us=%.1f%n", us[us.length / 2]);
    return 0;
  }
}
