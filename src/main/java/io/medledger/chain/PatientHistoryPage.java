package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.internal.codec.BinaryFieldWriter;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One page of a patient's history (or, with the zero key, of the entries about no patient), for
 * histories too long for one answer: the patient's sub-blocks in ledger order, oldest first, from
 * the start of the history (cursor -1) or from the one after the cursor's. Each sub-block header
 * names the hash of the one before, so a page whose first sub-block names the previous page's last
 * ({@link #verifyAfter}) can leave nothing out between them. The last page, the one that reaches
 * the tip, carries the head proof at the tip: the pages together then make one
 * {@link PatientHistoryProof} (the head proof, the height, every sub-block newest first), which
 * proves the whole history against that header. Until the last page is checked so, the entries
 * of earlier pages are linked but not yet proven.
 *
 * <p>Immutable and thread-safe.
 *
 * @param key the patient's pseudonym digest (or {@link SubBlockHeader#NO_PATIENT})
 * @param height the tip's height when the page was made; the head proof, on the last page, is for
 *     the header at that height
 * @param head the proof of the latest sub-block hash at {@code height}: present on the last page only
 * @param subBlocks the sub-blocks, oldest first; at least one unless the page is the last
 */
public record PatientHistoryPage(Digest key, long height, Optional<PatientHeadProof> head,
    List<PatientHistoryProof.SubBlock> subBlocks) {
  /**
   * Most bytes the head proof and the page's own fields add to its encoding; the rest is
   * {@link #encodedBytes(int[])} for each sub-block.
   */
  public static final int HEAD_BYTES = 8_704;
  /** Most bytes a sub-block's header and framing add to its entries in the encoding. */
  static final int SUB_BLOCK_BYTES = 256;
  /**
   * Most bytes of a page's encoding: one sub-block as large as a block, the page's bound of
   * further ones, the head proof.
   */
  public static final int MAX_BYTES = Limits.MAX_BLOCK_BYTES + Ledger.MAX_BYTES_PER_PAGE + HEAD_BYTES;

  /**
   * Copies the list.
   *
   * @throws IllegalArgumentException if a page that is not the last holds no sub-block, or the
   *     sub-blocks do not rise in height
   */
  public PatientHistoryPage {
    Checks.notNull(key, "key");
    Checks.notNull(head, "head");
    subBlocks = List.copyOf(subBlocks);
    if (head.isEmpty() && subBlocks.isEmpty()) {
      throw new IllegalArgumentException("a page before the last holds at least one sub-block");
    }
    for (int i = 1; i < subBlocks.size(); i++) {
      if (subBlocks.get(i).header().height() <= subBlocks.get(i - 1).header().height()) {
        throw new IllegalArgumentException("sub-blocks out of order");
      }
    }
  }

  /** Whether this is the last page (it carries the head proof). */
  public boolean isLast() {
    return head.isPresent();
  }

  /** The cursor of the next page (the height of this page's last sub-block); empty on the last page. */
  public OptionalLong nextCursor() {
    return isLast() ? OptionalLong.empty() : OptionalLong.of(subBlocks.get(subBlocks.size() - 1).header().height());
  }

  /**
   * Checks that this page continues the history right after {@code previous} (the last sub-block
   * of the page before, itself checked; empty for the first page, which must then start at the
   * patient's first sub-block), with nothing left out and every entry matching its sub-block, and
   * returns the page's entries in ledger order, or a rejection naming the first inconsistency.
   * This links the page; only the last page's head proof, checked against a header with the
   * assembled {@link PatientHistoryProof}, proves that the chain is the patient's.
   */
  public ValidationResult<List<Entry>> verifyAfter(Optional<SubBlockHeader> previous) {
    if (previous.isPresent() && !previous.get().key().equals(key)) {
      return ValidationResult.rejected("the previous sub-block is of another key");
    }
    Digest expected = previous.map(SubBlockHeader::hash).orElse(SubBlockHeader.NONE);
    long expectedHeight = previous.map(SubBlockHeader::height).orElse(-1L);
    long total = previous.map(SubBlockHeader::totalEntries).orElse(0L);
    List<Entry> out = new ArrayList<>();
    for (PatientHistoryProof.SubBlock sb : subBlocks) {
      SubBlockHeader s = sb.header();
      if (!s.previous().equals(expected) || s.previousHeight() != expectedHeight) {
        return ValidationResult.rejected("sub-block at height " + s.height() + " does not follow the one at height "
            + expectedHeight);
      }
      if (s.totalEntries() != total + s.entryCount()) {
        return ValidationResult.rejected("entry totals do not chain at height " + s.height());
      }
      String bad = PatientHistoryProof.contentProblem(key, sb);
      if (bad != null) {
        return ValidationResult.rejected(bad);
      }
      out.addAll(sb.entries());
      expected = s.hash();
      expectedHeight = s.height();
      total = s.totalEntries();
    }
    return ValidationResult.accepted(List.copyOf(out));
  }

  /**
   * An upper bound on the bytes a sub-block adds to a page's encoding, from the lengths of its
   * entries' encodings ({@code ranges}: offset and length of each, interleaved).
   */
  static long encodedBytes(int[] ranges) {
    long b = SUB_BLOCK_BYTES;
    for (int i = 1; i < ranges.length; i += 2) {
      b += 4L + ranges[i];
    }
    return b;
  }

  /** The canonical encoding. */
  public byte[] encode() {
    BinaryFieldWriter w = new BinaryFieldWriter(4096);
    write(w);
    return w.toByteArray();
  }

  /**
   * Decodes a canonical encoding.
   *
   * @throws io.medledger.codec.MalformedEncodingException if the bytes are not one valid page
   */
  public static PatientHistoryPage decode(byte[] bytes) {
    return Codecs.decode(bytes, MAX_BYTES, "patient history page", PatientHistoryPage::read);
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /**
   * Parses the JSON view.
   *
   * @throws io.medledger.codec.MalformedEncodingException if the text is not one valid page
   */
  public static PatientHistoryPage fromJson(String json) {
    return Codecs.fromJson(json, 4 * MAX_BYTES, "patient history page", PatientHistoryPage::read);
  }

  void write(FieldWriter w) {
    w.digest("key", key);
    w.i64("height", height);
    w.objectList("head", head.stream().toList(), PatientHeadProof::write);
    w.objectList("subBlocks", subBlocks, PatientHistoryProof::writeSubBlock);
  }

  static PatientHistoryPage read(FieldReader r) {
    Digest k = r.digest("key");
    long h = r.i64("height");
    List<PatientHeadProof> hp = r.objectList("head", 1, PatientHeadProof::read);
    List<PatientHistoryProof.SubBlock> sbs = r.objectList("subBlocks", PageRequest.MAX_LIMIT,
        PatientHistoryProof::readSubBlock);
    return Codecs.guard("patient history page", () -> new PatientHistoryPage(k, h, hp.stream().findFirst(), sbs));
  }
}
