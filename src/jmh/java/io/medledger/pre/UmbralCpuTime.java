package io.medledger.pre;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Companion to {@link UmbralBench} for shared, overloaded hosts: runs the same benchmark methods
 * and measures the benchmark thread's CPU time per operation (ThreadMXBean), which other
 * processes competing for the cores barely affect, unlike wall-clock time. Prints, per
 * operation, the median over rounds of CPU microseconds per operation and the ratio to
 * (scalar multiplications × one variable-base multiplication).
 *
 * <p>Run: {@code java -cp target/benchmarks.jar io.medledger.pre.UmbralCpuTime [rounds]}.
 */
public final class UmbralCpuTime {
  private UmbralCpuTime() {}

  /** Entry point; the optional argument is the number of measured rounds (default 15). */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    UmbralBench b = new UmbralBench();
    b.setUp();
    Map<String, Object[]> ops = new LinkedHashMap<>();
    ops.put("scalarMulVariableBase", new Object[] {1, (Callable<Object>) b::scalarMulVariableBase});
    ops.put("scalarMulFixedBaseG", new Object[] {1, (Callable<Object>) b::scalarMulFixedBaseG});
    ops.put("ctScalarMulVariableBase", new Object[] {1, (Callable<Object>) b::ctScalarMulVariableBase});
    ops.put("ctScalarMulFixedBaseG", new Object[] {1, (Callable<Object>) b::ctScalarMulFixedBaseG});
    ops.put("encrypt", new Object[] {3, (Callable<Object>) b::encrypt});
    ops.put("decryptOriginal", new Object[] {1, (Callable<Object>) b::decryptOriginal});
    ops.put("generateKFrags2of3", new Object[] {11, (Callable<Object>) b::generateKFrags2of3});
    ops.put("generateKFrags3of5", new Object[] {17, (Callable<Object>) b::generateKFrags3of5});
    ops.put("verifyKFrag", new Object[] {3, (Callable<Object>) b::verifyKFrag});
    ops.put("reencrypt", new Object[] {5, (Callable<Object>) b::reencrypt});
    ops.put("verifyCFrag", new Object[] {8, (Callable<Object>) b::verifyCFrag});
    ops.put("decryptReencrypted2", new Object[] {8, (Callable<Object>) b::decryptReencrypted2});
    ops.put("decryptReencrypted3", new Object[] {10, (Callable<Object>) b::decryptReencrypted3});
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Double> median = new LinkedHashMap<>();
    for (Map.Entry<String, Object[]> e : ops.entrySet()) {
      @SuppressWarnings("unchecked")
      Callable<Object> op = (Callable<Object>) e.getValue()[1];
      int perRound = Math.max(20, 4000 / ((Integer) e.getValue()[0] * 5));
      for (int i = 0; i < perRound * 5; i++) {
        op.call();
      }
      List<Double> samples = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        long t0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < perRound; i++) {
          op.call();
        }
        samples.add((mx.getCurrentThreadCpuTime() - t0) / 1000.0 / perRound);
      }
      double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      median.put(e.getKey(), s[s.length / 2]);
    }
    double unit = median.get("scalarMulVariableBase");
    System.out.println("operation,cpu_us_per_op_median,scalar_mults,ratio");
    for (Map.Entry<String, Object[]> e : ops.entrySet()) {
      int count = (Integer) e.getValue()[0];
      double us = median.get(e.getKey());
      System.out.printf("%s,%.1f,%d,%.2f%n", e.getKey(), us, count, us / (count * unit));
    }
    System.out.println(rounds + " rounds");
  }
}
