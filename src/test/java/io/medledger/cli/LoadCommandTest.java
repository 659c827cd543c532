package io.medledger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadCommandTest {
  private static long[] at(double submittedSeconds, long latencyMillis) {
    return new long[] {latencyMillis * 1_000_000L, (long) (submittedSeconds * 1e9)};
  }

  @Test
  void theTimelineGroupsLatenciesBySecondOfSubmission() {
    List<long[]> l = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      l.add(at(0.5, i)); // second 0: 1..100 ms
    }
    l.add(at(2.999, 7)); // second 2: one; second 1 had no acknowledgement
    l.add(at(2.0, 4000));
    assertEquals(List.of(
        "{\"second\":0,\"acknowledged\":100,\"p50_ms\":50,\"p99_ms\":99,\"max_ms\":100}",
        "{\"second\":2,\"acknowledged\":2,\"p50_ms\":7,\"p99_ms\":4000,\"max_ms\":4000}"),
        LoadCommand.timeline(l));
  }

  @Test
  void anEmptyPhaseHasAnEmptyTimeline() {
    assertEquals(List.of(), LoadCommand.timeline(List.of()));
  }
}
