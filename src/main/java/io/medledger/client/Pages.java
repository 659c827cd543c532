package io.medledger.client;

import io.medledger.chain.Entry;
import io.medledger.chain.Page;
import io.medledger.chain.PageRequest;
import io.medledger.chain.QueryHit;

/**
 * Checks a page that a {@link LedgerConnection}, any implementation, returns for a page request,
 * before a typed client acts on its items: at most the asked limit of items, at ledger indexes
 * rising from past the asked cursor, and a next cursor past the asked one and at or past the last
 * item, so that each item is taken once and every page moves the cursor on. Stateless.
 */
final class Pages {
  private Pages() {}

  /**
   * {@code page}, if it answers {@code asked} so.
   *
   * @param what what was asked, for the exception
   * @throws UnverifiableAnswerException if it does not
   */
  static <E extends Entry> Page<E> checked(Page<E> page, PageRequest asked, String what) {
    int n = page.items().size();
    if (n > asked.limit()) {
      throw new UnverifiableAnswerException(what + ": the connection answered a page of " + n
          + " items, more than the " + asked.limit() + " asked");
    }
    long last = asked.after();
    for (QueryHit<E> h : page.items()) {
      if (h.ledgerIndex() <= last) {
        throw new UnverifiableAnswerException(what + ": the connection answered a page item at ledger index "
            + h.ledgerIndex() + ", which does not follow " + last);
      }
      last = h.ledgerIndex();
    }
    if (page.nextCursor().isPresent()
        && (page.nextCursor().getAsLong() <= asked.after() || page.nextCursor().getAsLong() < last)) {
      throw new UnverifiableAnswerException(what + ": the connection answered a next cursor "
          + page.nextCursor().getAsLong() + " that does not move past the asked cursor " + asked.after()
          + " and the page's last item " + last);
    }
    return page;
  }
}
