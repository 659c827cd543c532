package io.medledger.internal;

import io.medledger.chain.Entry;
import io.medledger.chain.PageRequest;
import io.medledger.chain.QueryHit;
import io.medledger.client.QueryLimitException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * Reads every page of a query, from a first page request, under bounds that hold whatever the
 * node answering does: at most {@link #MAX_ITEMS} items of at most {@link #MAX_BYTES} bytes in
 * all, {@link #MAX_PAGES} pages and {@link #MAX_TIME}; past any of them the walk fails with a
 * {@link QueryLimitException}. (Each page is checked on its own by the connection: its items
 * follow the cursor and its next cursor moves on.) Stateless; thread-safe.
 */
public final class PageWalk {
  /** Most items one walk holds. */
  public static final int MAX_ITEMS = 100_000;
  /** Most bytes of items one walk holds, as encoded (an entry, and its inclusion proof when there is one). */
  public static final long MAX_BYTES = 256L << 20;
  /**
   * Most pages one walk asks for: a node's page examines up to 65,536 index entries, so this
   * covers an index of four billion entries.
   */
  public static final int MAX_PAGES = 65_536;
  /** Longest one walk may take. */
  public static final Duration MAX_TIME = Duration.ofMinutes(10);

  /** What one page gave: its items and the cursor for the next page, empty at the end. */
  public record Step<T>(List<T> items, OptionalLong next) {
    /** Copies the list. */
    public Step {
      items = List.copyOf(items);
      Objects.requireNonNull(next, "next");
    }
  }

  private PageWalk() {}

  /**
   * Every item of the pages {@code page} gives, from {@code first} on.
   *
   * @param size an item's bytes as encoded
   * @throws QueryLimitException past a bound, naming it
   */
  public static <T> List<T> all(String what, PageRequest first, Function<PageRequest, Step<T>> page,
      ToLongFunction<T> size) {
    return all(what, first, page, size, System::nanoTime, MAX_ITEMS, MAX_BYTES, MAX_PAGES, MAX_TIME);
  }

  /** As {@link #all(String, PageRequest, Function, ToLongFunction)} with the given clock and bounds. */
  static <T> List<T> all(String what, PageRequest first, Function<PageRequest, Step<T>> page, ToLongFunction<T> size,
      LongSupplier nanoTime, int maxItems, long maxBytes, int maxPages, Duration maxTime) {
    long start = nanoTime.getAsLong();
    List<T> out = new ArrayList<>();
    long bytes = 0;
    PageRequest p = first;
    for (int pages = 1; ; pages++) {
      Step<T> s = page.apply(p);
      for (T t : s.items()) {
        bytes += size.applyAsLong(t);
      }
      out.addAll(s.items());
      if (out.size() > maxItems || bytes > maxBytes) {
        throw new QueryLimitException(what + ": more than " + maxItems + " items or " + maxBytes
            + " bytes (read page by page instead)");
      }
      if (s.next().isEmpty()) {
        return out;
      }
      if (pages >= maxPages) {
        throw new QueryLimitException(what + ": more than " + maxPages + " pages");
      }
      if (nanoTime.getAsLong() - start > maxTime.toNanos()) {
        throw new QueryLimitException(what + ": took longer than " + maxTime + " (" + pages + " pages)");
      }
      p = p.after(s.next().getAsLong());
    }
  }

  /** A query hit's bytes: its entry encoded, and its inclusion proof's entry and path. */
  public static long size(QueryHit<? extends Entry> h) {
    long e = h.entry().encode().length;
    return h.proof().isEmpty() ? e : e + h.proof().get().toJson().length();
  }
}
