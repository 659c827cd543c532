package io.medledger.internal.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Ed25519YardstickTest {
  @Test
  void measuresAPositiveCpuTimePerVerification() {
    double us = Ed25519Yardstick.microsPerVerification(500, 300); // rounds of tens of ms: thread CPU clocks may tick coarsely
    assertTrue(us > 1 && us < 100_000, "µs per verification: " + us);
  }

  @Test
  void refusesCountsAndMessageSizesOutOfRange() {
    assertThrows(IllegalArgumentException.class, () -> Ed25519Yardstick.microsPerVerification(0, 150));
    assertThrows(IllegalArgumentException.class, () -> Ed25519Yardstick.microsPerVerification(1_000_001, 150));
    assertThrows(IllegalArgumentException.class, () -> Ed25519Yardstick.microsPerVerification(10, -1));
    assertThrows(IllegalArgumentException.class, () -> Ed25519Yardstick.microsPerVerification(10, 65_537));
  }
}
