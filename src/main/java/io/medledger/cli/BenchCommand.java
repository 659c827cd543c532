package io.medledger.cli;

import io.medledger.internal.bench.Ed25519Yardstick;
import java.io.InputStream;
import java.io.PrintStream;

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
    int count = a.optionalInt("count", 2000);
    a.rejectUnknown();
    if (count < 10 || count > 1_000_000) {
      throw new CliException("--count must be 10..1000000");
    }
    out.printf("ed25519_verify_us=%.1f%n", Ed25519Yardstick.microsPerVerification(count, 150));
    return 0;
  }
}
