package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.node.SubmissionRefusedException;
import io.medledger.node.TransportException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class LoadFailuresTest {
  private static List<String> report(LoadFailures f, long submitted, long acked) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(b, true, StandardCharsets.UTF_8);
    f.report(err, "timed phase", submitted, acked, 30);
    String s = b.toString(StandardCharsets.UTF_8);
    return s.isEmpty() ? List.of() : List.of(s.split("\n"));
  }

  @Test
  void nothingIsReportedWhenEverySubmissionWasAcknowledged() {
    assertEquals(List.of(), report(new LoadFailures(), 100, 100));
  }

  @Test
  void failuresAreCountedByKindWithTheFirstMessageAndUnwrapped() {
    LoadFailures f = new LoadFailures();
    f.record(new CompletionException(new SubmissionRefusedException(SubmissionRefusedException.Cause.BUSY, "full 1")));
    f.record(new SubmissionRefusedException(SubmissionRefusedException.Cause.BUSY, "full 2"));
    f.record(new SubmissionRefusedException(SubmissionRefusedException.Cause.RULE, "timestamp\ntoo old"));
    f.record(new CompletionException(new TransportException("connection closed")));
    assertEquals(4, f.total());
    List<String> lines = report(f, 10, 5);
    assertEquals(List.of(
        "medledger: warning: timed phase: 1 submissions failed (TransportException), first: connection closed",
        "medledger: warning: timed phase: 2 submissions failed (refused BUSY), first: full 1",
        "medledger: warning: timed phase: 1 submissions failed (refused RULE), first: timestamp too old",
        "medledger: warning: timed phase: 1 submissions unanswered after 30 s"), lines);
  }

  @Test
  void kindsAndMessagesAreBounded() {
    LoadFailures f = new LoadFailures();
    String longMessage = "x".repeat(1000);
    List<RuntimeException> kinds = new java.util.ArrayList<>(List.of(new IllegalStateException(longMessage),
        new IllegalArgumentException(longMessage), new ArithmeticException(), new NullPointerException(),
        new UnsupportedOperationException(), new IndexOutOfBoundsException(), new ArrayStoreException(),
        new ClassCastException(), new NegativeArraySizeException(), new SecurityException(), new TransportException("t"),
        new java.util.NoSuchElementException(), new java.util.ConcurrentModificationException(),
        new java.io.UncheckedIOException(new java.io.IOException("io"))));
    for (SubmissionRefusedException.Cause c : SubmissionRefusedException.Cause.values()) {
      kinds.add(new SubmissionRefusedException(c, longMessage));
    }
    assertTrue(kinds.size() > LoadFailures.MAX_KINDS + 1);
    for (int i = 0; i < 10; i++) {
      kinds.forEach(f::record);
    }
    List<String> lines = report(f, 10L * kinds.size(), 0);
    // MAX_KINDS kinds of their own, then "other"; no unanswered line
    assertEquals(LoadFailures.MAX_KINDS + 1, lines.size(), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.contains("(other)")), lines.toString());
    for (String l : lines) {
      assertTrue(l.length() < LoadFailures.MAX_MESSAGE + 120, l);
    }
    long counted = lines.stream().mapToLong(l -> Long.parseLong(l.split(": ")[3].split(" ")[0])).sum();
    assertEquals(10L * kinds.size(), counted);
  }
}
