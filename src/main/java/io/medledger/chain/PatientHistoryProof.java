package io.medledger.chain;

import io.medledger.crypto.Digest;
import io.medledger.internal.codec.Codecs;
import io.medledger.internal.codec.FieldReader;
import io.medledger.internal.codec.FieldWriter;
import io.medledger.merkle.Rfc9162;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A completeness proof: every entry about one patient (or, with the zero key, about no patient)
 * up to one header, checkable with that header alone. The header's {@code patientHeadsRoot}
 * gives the hash of the patient's latest sub-block; each sub-block header commits to its
 * entries and links to the previous sub-block, back to the first. Leaving out any entry, or any
 * sub-block, breaks a root or a link, so {@link #verify} rejects the proof.
 *
 * <p>Immutable and thread-safe.
 *
 * @param key the patient's pseudonym digest (or {@link SubBlockHeader#NO_PATIENT})
 * @param height the header height the proof is for
 * @param head proof of the latest sub-block hash in that header
 * @param subBlocks the sub-blocks, newest first
 */
public record PatientHistoryProof(Digest key, long height, PatientHeadProof head, List<SubBlock> subBlocks) {
  /**
   * One sub-block: its header and its entries in block order.
   *
   * @param header the sub-block header
   * @param entries its entries
   */
  public record SubBlock(SubBlockHeader header, List<Entry> entries) {
    /** Copies the list. */
    public SubBlock {
      Checks.notNull(header, "header");
      entries = List.copyOf(entries);
    }
  }

  /** Copies the list. */
  public PatientHistoryProof {
    Checks.notNull(key, "key");
    Checks.notNull(head, "head");
    subBlocks = List.copyOf(subBlocks);
  }

  /**
   * Verifies the proof against {@code header} and returns the complete history, oldest entry
   * first, or a rejection naming the first inconsistency.
   */
  public ValidationResult<List<Entry>> verify(BlockHeader header) {
    if (header.height() != height) {
      return ValidationResult.rejected("proof is for height " + height + ", header is at " + header.height());
    }
    if (!head.key().equals(key)) {
      return ValidationResult.rejected("head proof is for another key");
    }
    Optional<Digest> latest = head.verify(key, header.patientHeadsRoot());
    if (latest == null) {
      return ValidationResult.rejected("head proof does not match the header's patient-heads root");
    }
    Digest expected = latest.orElse(SubBlockHeader.NONE);
    long expectedTotal = -1;
    long previousHeight = height + 1;
    List<Entry> history = new ArrayList<>();
    for (SubBlock sb : subBlocks) {
      SubBlockHeader s = sb.header();
      if (expected.equals(SubBlockHeader.NONE)) {
        return ValidationResult.rejected("sub-block at height " + s.height() + " is beyond the start of the history");
      }
      if (!s.hash().equals(expected)) {
        return ValidationResult.rejected("sub-block at height " + s.height() + " is not the one committed to");
      }
      if (!s.key().equals(key) || s.height() >= previousHeight) {
        return ValidationResult.rejected("sub-block at height " + s.height() + " is out of place");
      }
      if (expectedTotal >= 0 && s.totalEntries() != expectedTotal) {
        return ValidationResult.rejected("entry totals do not chain at height " + s.height());
      }
      String bad = contentProblem(key, sb);
      if (bad != null) {
        return ValidationResult.rejected(bad);
      }
      List<Entry> chunk = new ArrayList<>(sb.entries());
      Collections.reverse(chunk);
      history.addAll(chunk);
      expected = s.previous();
      expectedTotal = s.totalEntries() - s.entryCount();
      previousHeight = s.height();
    }
    if (!expected.equals(SubBlockHeader.NONE) || (expectedTotal > 0)) {
      return ValidationResult.rejected("history is incomplete: earlier sub-blocks are missing");
    }
    Collections.reverse(history);
    return ValidationResult.accepted(List.copyOf(history));
  }

  /**
   * What is wrong with {@code sb}'s entries as the sub-block of {@code key} its header describes
   * (their number, their subject, their root), or null.
   */
  static String contentProblem(Digest key, SubBlock sb) {
    SubBlockHeader s = sb.header();
    if (!s.key().equals(key)) {
      return "sub-block at height " + s.height() + " is of another key";
    }
    if (sb.entries().size() != s.entryCount()) {
      return "sub-block at height " + s.height() + " shows " + sb.entries().size() + " of " + s.entryCount() + " entries";
    }
    List<Digest> leaves = new ArrayList<>(sb.entries().size());
    for (Entry e : sb.entries()) {
      if (!e.subject().map(p -> p.digest()).orElse(SubBlockHeader.NO_PATIENT).equals(key)) {
        return "an entry at height " + s.height() + " is about someone else";
      }
      leaves.add(e.leafHash());
    }
    if (!Rfc9162.rootOfLeafHashes(leaves).equals(s.entriesRoot())) {
      return "entries at height " + s.height() + " do not match the sub-block root";
    }
    return null;
  }

  /** The JSON view. */
  public String toJson() {
    return Codecs.toJson(false, this::write);
  }

  /** Parses the JSON view. @throws io.medledger.codec.MalformedEncodingException if malformed */
  public static PatientHistoryProof fromJson(String json) {
    return Codecs.fromJson(json, 4 * Limits.MAX_BLOCK_BYTES, "patient history proof", PatientHistoryProof::read);
  }

  void write(FieldWriter w) {
    w.digest("key", key);
    w.i64("height", height);
    w.object("head", head::write);
    w.objectList("subBlocks", subBlocks, PatientHistoryProof::writeSubBlock);
  }

  static void writeSubBlock(SubBlock sb, FieldWriter w) {
    w.object("header", sb.header()::write);
    w.objectList("entries", sb.entries(), EntryCodec::write);
  }

  static SubBlock readSubBlock(FieldReader r) {
    return new SubBlock(r.object("header", SubBlockHeader::read), r.objectList("entries", Limits.MAX_BLOCK_ENTRIES,
        EntryCodec::read));
  }

  static PatientHistoryProof read(FieldReader r) {
    Digest k = r.digest("key");
    long h = r.i64("height");
    PatientHeadProof hp = r.object("head", PatientHeadProof::read);
    List<SubBlock> sbs = r.objectList("subBlocks", Integer.MAX_VALUE - 8, PatientHistoryProof::readSubBlock);
    return new PatientHistoryProof(k, h, hp, sbs);
  }
}
