package io.medledger.chain;

import io.medledger.access.ParticipantId;
import java.util.ArrayList;
import java.util.List;

/**
 * Blocks whose entry encodings no entry value can produce (for tests of what decoding refuses):
 * built on a ledger's tip with correct roots over the altered encodings.
 */
public final class CraftedBlocks {
  private CraftedBlocks() {}

  /**
   * A block on {@code ledger}'s tip holding {@code entries} with every occurrence of {@code find}
   * in their encodings replaced by {@code replacement} (same length). The roots are computed over
   * the altered encodings; each entry's subject is taken from the unaltered entry.
   */
  public static Block withBytesReplaced(Ledger ledger, ParticipantId bookkeeper, long timestamp, List<Entry> entries,
      byte[] find, byte[] replacement) {
    if (find.length != replacement.length) {
      throw new IllegalArgumentException("replacement must have the same length");
    }
    List<EncodedEntry> out = new ArrayList<>();
    for (Entry e : entries) {
      EncodedEntry x = EncodedEntry.of(e);
      byte[] b = x.encoded.clone();
      int replaced = 0;
      for (int i = 0; i + find.length <= b.length; i++) {
        if (java.util.Arrays.equals(b, i, i + find.length, find, 0, find.length)) {
          System.arraycopy(replacement, 0, b, i, replacement.length);
          replaced++;
        }
      }
      if (replaced == 0) {
        throw new IllegalArgumentException("the bytes to replace do not occur in the entry");
      }
      out.add(new EncodedEntry(e, b, x.contentLength));
    }
    return ledger.assembleEncoded(bookkeeper, 0, timestamp, out);
  }
}
