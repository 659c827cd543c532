package io.medledger.federation;

import io.medledger.chain.MedicalRecord;
import io.medledger.client.PatientClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A streamed round trip of a generated payload through the patient client of a file-backed
 * in-process federation: upload from an {@link InputStream}, read into an {@link OutputStream},
 * the bytes compared by SHA-256 and never held whole. Run by {@code StreamingPayloadTest} in a JVM
 * whose heap is smaller than the payload. Arguments: the data directory and the size in MiB.
 * Prints {@code ok <bytes> <peak heap bytes>}; exits 1 on a mismatch.
 */
public final class StreamingRoundTrip {
  private StreamingRoundTrip() {}

  /** Runs the round trip. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long size = Long.parseLong(args[1]) << 20;
    Federation f = TestFederation.builder().dataDirectory(dir).build();
    try {
      PatientClient p = f.registerPatient("Streaming Patient");
      MessageDigest in = MessageDigest.getInstance("SHA-256");
      MedicalRecord rec;
      try (InputStream payload = new DigestInputStream(generated(size, 7), in)) {
        rec = p.upload("ImagingStudy", payload).record();
      }
      MessageDigest out = MessageDigest.getInstance("SHA-256");
      long n;
      try (OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), out)) {
        n = p.read(rec.id(), sink);
      }
      if (n != size || !Arrays.equals(in.digest(), out.digest())) {
        System.out.println("mismatch: read " + n + " of " + size + " bytes");
        System.exit(1);
      }
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.println("ok " + n + " " + peak + " " + rec.payloadSize());
    } finally {
      f.close();
    }
  }

  /** {@code size} pseudo-random bytes from {@code seed}, generated as read. */
  static InputStream generated(long size, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    return new InputStream() {
      private long left = size;

      @Override
      public int read() {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left == 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) r.nextInt();
        }
        left -= n;
        return n;
      }
    };
  }
}
