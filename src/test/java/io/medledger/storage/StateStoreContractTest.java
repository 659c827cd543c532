package io.medledger.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.crypto.Digest;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@link StateStore} contract, run against both implementations. */
class StateStoreContractTest {
  @TempDir
  static Path tmp;

  private static int counter;

  static Stream<Function<Path, StateStore>> stores() {
    return Stream.of(p -> new InMemoryStateStore(), StateStore::rocksDb);
  }

  private static Path fresh() {
    return tmp.resolve("s" + (counter++));
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static Digest tip(long h) {
    return Sha256.hash(b("block " + h));
  }

  @ParameterizedTest
  @MethodSource("stores")
  void commitsAdvanceOneBlockAtATimeAndScansAreOrdered(Function<Path, StateStore> factory) {
    try (StateStore s = factory.apply(fresh())) {
      assertEquals(-1, s.height());
      assertEquals(Optional.empty(), s.tip());
      assertNull(s.get(b("Ka")));
      s.commit(new StateStore.Batch(0, tip(0)).put(b("Kb"), b("2")).put(b("Ka"), b("1")).put(b("L"), b("x")));
      assertEquals(0, s.height());
      assertEquals(Optional.of(tip(0)), s.tip());
      s.commit(new StateStore.Batch(1, tip(1)).put(b("Ka"), b("one")).put(b("K\u00ff"), b("3")));
      assertArrayEquals(b("one"), s.get(b("Ka")));
      List<String> seen = new ArrayList<>();
      s.scan(b("K"), b("L"), (k, v) -> seen.add(new String(k, StandardCharsets.ISO_8859_1) + "=" + new String(v,
          StandardCharsets.ISO_8859_1)));
      assertEquals(List.of("Ka=one", "Kb=2", "K\u00ff=3"), seen); // unsigned order: 0xff sorts last
      List<String> first = new ArrayList<>();
      s.scan(b("K"), b("L"), (k, v) -> first.add(new String(k, StandardCharsets.ISO_8859_1)) && false);
      assertEquals(List.of("Ka"), first);
      // a gap or a repeat is refused and changes nothing
      for (long h : new long[] {3, 1}) {
        StateStore.Batch wrong = new StateStore.Batch(h, tip(h)).put(b("Kz"), b("z"));
        assertThrows(IllegalArgumentException.class, () -> s.commit(wrong));
      }
      assertNull(s.get(b("Kz")));
      assertEquals(1, s.height());
      // returned arrays are the caller's
      s.get(b("Ka"))[0] = 'X';
      assertArrayEquals(b("one"), s.get(b("Ka")));
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void aKeyPutSeveralTimesInOneBatchHoldsTheLastValue(Function<Path, StateStore> factory) {
    try (StateStore s = factory.apply(fresh())) {
      s.commit(new StateStore.Batch(0, tip(0)).put(b("Kb"), b("1")).put(b("Kc"), b("c")).put(b("Kb"), b("2"))
          .put(b("Ka"), b("a")).put(b("Kb"), b("3")));
      assertArrayEquals(b("3"), s.get(b("Kb")));
      s.commit(new StateStore.Batch(1, tip(1)).put(b("Kc"), b("C")).put(b("Ka"), b("A")).put(b("Kc"), b("c")));
      assertArrayEquals(b("c"), s.get(b("Kc")));
      assertArrayEquals(b("A"), s.get(b("Ka")));
      List<String> seen = new ArrayList<>();
      s.scan(b("K"), b("L"), (k, v) -> seen.add(new String(k, StandardCharsets.ISO_8859_1) + "=" + new String(v,
          StandardCharsets.ISO_8859_1)));
      assertEquals(List.of("Ka=A", "Kb=3", "Kc=c"), seen);
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void keysThatShareTheirFirstEightBytesOrPrefixesStayApartAndKeepTheirLastPut(Function<Path, StateStore> factory) {
    // the RocksDB store sorts a batch by the first eight bytes first: ties, padding and prefixes
    try (StateStore s = factory.apply(fresh())) {
      s.commit(new StateStore.Batch(0, tip(0)).put(b("Kshared8b"), b("1")).put(b("Ksh"), b("1"))
          .put(b("Kshared8a"), b("1")).put(b("Ksh\0"), b("1")).put(b("Kshared8"), b("1"))
          .put(b("Kshared8b"), b("2")).put(b("Ksh\0"), b("2")).put(b("Kshared8a"), b("2")).put(b("Ksh"), b("2"))
          .put(b("Kshared8b"), b("3")));
      List<String> seen = new ArrayList<>();
      s.scan(b("K"), b("L"), (k, v) -> seen.add(new String(k, StandardCharsets.ISO_8859_1) + "=" + new String(v,
          StandardCharsets.ISO_8859_1)));
      assertEquals(List.of("Ksh=2", "Ksh\0=2", "Kshared8=1", "Kshared8a=2", "Kshared8b=3"), seen);
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void getAllReadsEachKeyInOrderWithNullForAbsentKeys(Function<Path, StateStore> factory) {
    try (StateStore s = factory.apply(fresh())) {
      assertEquals(List.of(), s.getAll(List.of()));
      s.commit(new StateStore.Batch(0, tip(0)).put(b("Ka"), b("1")).put(b("Kb"), b("2")));
      List<byte[]> got = s.getAll(List.of(b("Kb"), b("Kz"), b("Ka"), b("Kb"), b("A")));
      assertEquals(5, got.size());
      assertArrayEquals(b("2"), got.get(0));
      assertNull(got.get(1));
      assertArrayEquals(b("1"), got.get(2));
      assertArrayEquals(b("2"), got.get(3));
      assertNull(got.get(4));
      got.get(0)[0] = 'X'; // returned arrays are the caller's
      assertArrayEquals(b("2"), s.getAll(List.of(b("Kb"))).get(0));
    }
  }

  @ParameterizedTest
  @MethodSource("stores")
  void anEmptyOrInvertedRangeVisitsNothing(Function<Path, StateStore> factory) {
    try (StateStore s = factory.apply(fresh())) {
      s.commit(new StateStore.Batch(0, tip(0)).put(b("Ka"), b("1")).put(b("L"), b("2")));
      for (byte[][] range : new byte[][][] {{b("L"), b("K")}, {b("Ka"), b("Ka")}, {b("K"), new byte[0]}}) {
        List<String> seen = new ArrayList<>();
        s.scan(range[0], range[1], (k, v) -> seen.add(new String(k, StandardCharsets.ISO_8859_1)));
        assertEquals(List.of(), seen);
      }
    }
  }

  @Test
  void keysStartingWithZeroAreReserved() {
    StateStore.Batch batch = new StateStore.Batch(0, tip(0));
    assertThrows(IllegalArgumentException.class, () -> batch.put(new byte[] {0, 1}, b("x")));
    assertThrows(IllegalArgumentException.class, () -> batch.put(new byte[0], b("x")));
    assertThrows(IllegalArgumentException.class, () -> new StateStore.Batch(-1, tip(0)));
  }

  @ParameterizedTest
  @MethodSource("stores")
  void aClosedStoreRefusesEverything(Function<Path, StateStore> factory) {
    StateStore s = factory.apply(fresh());
    s.close();
    s.close();
    assertThrows(StoreException.class, () -> s.get(b("Ka")));
    assertThrows(StoreException.class, () -> s.getAll(List.of(b("Ka"))));
    assertThrows(StoreException.class, () -> s.scan(b("A"), b("B"), (k, v) -> true));
    assertThrows(StoreException.class, () -> s.commit(new StateStore.Batch(0, tip(0))));
  }

  @Test
  void theRocksDbStoreKeepsItsCommitsAndHeightAcrossReopens() {
    Path dir = fresh();
    try (StateStore s = StateStore.rocksDb(dir)) {
      for (long h = 0; h < 3; h++) {
        s.commit(new StateStore.Batch(h, tip(h)).put(b("Kh" + h), b("v" + h)));
      }
    }
    try (StateStore s = StateStore.rocksDb(dir)) {
      assertEquals(2, s.height());
      assertEquals(Optional.of(tip(2)), s.tip());
      assertArrayEquals(b("v1"), s.get(b("Kh1")));
      // a second handle on the same directory is refused while this one is open
      StoreException e = assertThrows(StoreException.class, () -> StateStore.rocksDb(dir));
      assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
      s.commit(new StateStore.Batch(3, tip(3)).put(b("Kh3"), b("v3")));
    }
    try (StateStore s = StateStore.rocksDb(dir)) {
      assertEquals(3, s.height());
      assertArrayEquals(b("v3"), s.get(b("Kh3")));
    }
  }
}
