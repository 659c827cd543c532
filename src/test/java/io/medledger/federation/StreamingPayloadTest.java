package io.medledger.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.MedicalRecord;
import io.medledger.client.AccessRefusedException;
import io.medledger.client.ClinicianClient;
import io.medledger.client.ErasureReport;
import io.medledger.client.GrantRequest;
import io.medledger.client.PatientClient;
import io.medledger.storage.BlobUnavailableException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Payloads streamed through the client API: upload from an InputStream, read into an OutputStream. */
class StreamingPayloadTest {
  /** Size of the round trip in a small heap: 100 MiB unless {@code -Dmedledger.test.streamMb} says otherwise. */
  private static final int STREAM_MB = Integer.getInteger("medledger.test.streamMb", 100);

  @TempDir
  Path dir;

  @Test
  void aStreamedUploadReadsBackStreamedAndIsErasedEverywhere() throws Exception {
    try (Federation f = TestFederation.builder().dataDirectory(dir).build()) {
      PatientClient p = f.registerPatient("Streaming Patient");
      byte[] data = StreamingRoundTrip.generated(3 << 20, 1).readAllBytes();
      MedicalRecord rec = p.upload("ImagingStudy", new ByteArrayInputStream(data)).record();
      assertEquals("ImagingStudy", rec.resourceType());
      assertTrue(rec.deidentified().isEmpty(), "a streamed payload is not parsed, so it has no de-identified copy");
      assertEquals(3, rec.storageNodes().size());
      assertTrue(rec.payloadSize() > data.length);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertEquals(data.length, p.read(rec.id(), out));
      assertArrayEquals(data, out.toByteArray());
      assertArrayEquals(data, p.read(rec.id()), "the byte-array read opens a streamed upload too");
      ErasureReport e = p.erase(rec.id());
      assertEquals(f.storageNodeIds().stream().map(Object::toString).toList(), e.deletedFrom());
      assertTrue(e.complete());
    }
  }

  @Test
  void aClinicianWritesAndReadsStreamedUnderATreatmentGrant() throws IOException {
    try (Federation f = TestFederation.create()) {
      PatientClient anna = f.registerPatient("Anna");
      ClinicianClient drLee = f.registerClinician("Dr Lee", "Hospital A2");
      byte[] study = StreamingRoundTrip.generated(1 << 20, 2).readAllBytes();
      assertThrows(AccessRefusedException.class,
          () -> drLee.write(anna.id(), "ImagingStudy", new ByteArrayInputStream(study)));
      anna.grant(GrantRequest.treatment(drLee.id()));
      MedicalRecord rec = drLee.write(anna.id(), "ImagingStudy", new ByteArrayInputStream(study)).record();
      assertEquals(drLee.id(), rec.author());
      ByteArrayOutputStream mine = new ByteArrayOutputStream();
      assertEquals(study.length, anna.read(rec.id(), mine));
      assertArrayEquals(study, mine.toByteArray(), "encrypted to the patient's key");
      ByteArrayOutputStream shared = new ByteArrayOutputStream();
      assertEquals(study.length, drLee.read(rec.id(), shared));
      assertArrayEquals(study, shared.toByteArray(), "re-encrypted for the clinician by the proxies");
      assertEquals(2, anna.accessEvents().size(), "both streamed reads are logged");
    }
  }

  @Test
  void aPayloadThatFailsToReadUploadsNothing() {
    try (Federation f = TestFederation.builder().build()) {
      PatientClient p = f.registerPatient("Streaming Patient");
      InputStream broken = new InputStream() {
        private int left = 200_000;

        @Override
        public int read() throws IOException {
          byte[] b = new byte[1];
          return read(b, 0, 1) < 0 ? -1 : b[0];
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          if (left <= 0) {
            throw new IOException("disk gone");
          }
          int n = Math.min(len, left);
          left -= n;
          return n;
        }
      };
      long before = f.reader().ledger().height();
      RuntimeException x = assertThrows(RuntimeException.class, () -> p.upload("ImagingStudy", broken));
      assertTrue(x instanceof BlobUnavailableException || x.getCause() instanceof IOException, x.toString());
      assertTrue(p.records().isEmpty(), "no record of a payload that could not be read");
      assertEquals(before, f.reader().ledger().height());
      assertThrows(IllegalArgumentException.class, () -> p.upload("not a type", new ByteArrayInputStream(new byte[1])));
    }
  }

  /**
   * A payload larger than the heap makes the round trip: encrypted, spooled, written to three
   * file-backed storage nodes, read back verified and decrypted in a JVM with a 64 MiB heap.
   */
  @Test
  void aPayloadLargerThanTheHeapRoundTripsInBoundedMemory() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = dir.resolve("round-trip.log");
    Process proc = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + dir,
        "-cp", System.getProperty("java.class.path"), StreamingRoundTrip.class.getName(),
        dir.resolve("federation").toString(), Integer.toString(STREAM_MB))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(proc.waitFor(300, TimeUnit.SECONDS), "the round trip did not finish in 300 s");
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertEquals(0, proc.exitValue(), output);
      List<String> ok = output.lines().filter(l -> l.startsWith("ok ")).toList();
      assertEquals(1, ok.size(), output);
      System.out.println("streamed round trip (bytes, peak heap, envelope bytes): " + ok.get(0));
      String[] parts = ok.get(0).split(" ");
      assertEquals((long) STREAM_MB << 20, Long.parseLong(parts[1]));
      assertTrue(Long.parseLong(parts[2]) < 64L << 20, "peak heap " + parts[2]);
    } finally {
      proc.destroyForcibly();
    }
  }
}
