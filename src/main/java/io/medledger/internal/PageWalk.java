package io.medledger.internal;

import io.medledger.access.ParticipantId;
import io.medledger.chain.Entry;
import io.medledger.chain.PageRequest;
import io.medledger.chain.PatientHistoryPage;
import io.medledger.chain.PatientHistoryProof;
import io.medledger.chain.QueryHit;
import io.medledger.chain.SubBlockHeader;
import io.medledger.chain.ValidationResult;
import io.medledger.client.QueryLimitException;
import io.medledger.client.UnverifiableAnswerException;
import io.medledger.crypto.Digest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
  /** Sub-blocks asked for in one page of a history walk (a node may answer fewer). */
  public static final int HISTORY_PAGE = 256;

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

  /**
   * The proof of {@code patient}'s complete history from the pages {@code page} gives, walked
   * under the bounds of {@link #all} (counting sub-blocks as items): each page must continue the
   * one before ({@link PatientHistoryPage#verifyAfter}) and be of this patient and within the
   * asked limit; the last one's head proof and height make the proof, which the caller verifies
   * against the header at that height.
   *
   * @throws UnverifiableAnswerException if a page does not continue the one before or is not
   *     what was asked
   * @throws QueryLimitException past a bound, naming it
   */
  public static PatientHistoryProof history(ParticipantId patient, Function<PageRequest, PatientHistoryPage> page) {
    Digest key = patient.digest();
    SubBlockHeader[] last = {null};
    PatientHistoryPage[] end = new PatientHistoryPage[1];
    List<PatientHistoryProof.SubBlock> all = all("the history of " + patient, PageRequest.first(HISTORY_PAGE), p -> {
      PatientHistoryPage got = page.apply(p);
      if (!got.key().equals(key) || got.subBlocks().size() > p.limit()) {
        throw new UnverifiableAnswerException("asked for a page of at most " + p.limit() + " sub-blocks of "
            + patient + ", got " + got.subBlocks().size() + " of key " + got.key());
      }
      ValidationResult<List<Entry>> v = got.verifyAfter(Optional.ofNullable(last[0]));
      if (!v.isAccepted()) {
        throw new UnverifiableAnswerException("a page of the history of " + patient + " after height " + p.after()
            + " does not continue it: " + v.reason());
      }
      if (!got.subBlocks().isEmpty()) {
        last[0] = got.subBlocks().get(got.subBlocks().size() - 1).header();
      }
      end[0] = got;
      return new Step<>(got.subBlocks(), got.nextCursor());
    }, sb -> sb.entries().stream().mapToLong(e -> e.encode().length).sum());
    List<PatientHistoryProof.SubBlock> newestFirst = new ArrayList<>(all);
    Collections.reverse(newestFirst);
    return new PatientHistoryProof(key, end[0].height(), end[0].head().orElseThrow(), newestFirst);
  }

  /** A query hit's bytes: its entry encoded, and its inclusion proof's entry and path. */
  public static long size(QueryHit<? extends Entry> h) {
    long e = h.entry().encode().length;
    return h.proof().isEmpty() ? e : e + h.proof().get().toJson().length();
  }
}
