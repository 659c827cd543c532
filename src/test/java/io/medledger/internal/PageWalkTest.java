package io.medledger.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.chain.PageRequest;
import io.medledger.client.QueryLimitException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each bound of a walk over every page, on a clock the test moves. */
class PageWalkTest {
  /** Pages of {@code perPage} items that never end. */
  private static Function<PageRequest, PageWalk.Step<Long>> endless(int perPage, AtomicInteger asked) {
    return p -> {
      asked.incrementAndGet();
      List<Long> items = java.util.stream.LongStream.rangeClosed(1, perPage).map(i -> p.after() + i).boxed().toList();
      return new PageWalk.Step<>(items, OptionalLong.of(p.after() + perPage + 1));
    };
  }

  @Test
  void theBytesHeldAreBounded() {
    AtomicInteger asked = new AtomicInteger();
    QueryLimitException e = assertThrows(QueryLimitException.class, () -> PageWalk.all("test", PageRequest.first(10),
        endless(10, asked), x -> 1000, System::nanoTime, 1_000_000, 50_000, 1_000_000, Duration.ofHours(1)));
    assertTrue(e.getMessage().contains("50000 bytes"), e.getMessage());
    assertEquals(6, asked.get(), "cut off at the page that passed the bound");
  }

  @Test
  void theTimeTakenIsBounded() {
    AtomicInteger asked = new AtomicInteger();
    AtomicLong now = new AtomicLong();
    Function<PageRequest, PageWalk.Step<Long>> slow = p -> {
      now.addAndGet(Duration.ofSeconds(29).toNanos());
      return endless(0, asked).apply(p);
    };
    QueryLimitException e = assertThrows(QueryLimitException.class, () -> PageWalk.all("test", PageRequest.first(10),
        slow, x -> 1, now::get, 1_000_000, 1L << 40, 1_000_000, Duration.ofMinutes(10)));
    assertTrue(e.getMessage().contains("longer than PT10M"), e.getMessage());
    assertEquals(21, asked.get(), "21 pages of 29 s pass 10 minutes");
  }

  @Test
  void aWalkWithinItsBoundsReturnsEveryItemInOrder() {
    Function<PageRequest, PageWalk.Step<Long>> three = p -> p.after() < 20
        ? new PageWalk.Step<>(List.of(p.after() + 1, p.after() + 2), OptionalLong.of(p.after() + 10))
        : new PageWalk.Step<>(List.of(p.after() + 1), OptionalLong.empty());
    assertEquals(List.of(0L, 1L, 10L, 11L, 20L, 21L, 30L), PageWalk.all("test", PageRequest.first(10), three, x -> 1));
  }
}
