package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.codec.Hex;
import io.medledger.crypto.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The known answer of the entry kind appended last, {@link InstitutionRemoval} (kind 14): content,
 * id, signed encoding and leaf, computed independently by {@code src/test/pit/kat.py} from the
 * layout in {@code docs/model.md}, with the keys and chain of {@link KnownAnswerTest}.
 */
class InstitutionRemovalKnownAnswerTest {
  static final String CONTENT = "010e81bf91245ce284f94340671d7a16608f13c03018243300c00e5b4832c16bdfe60000019b76daa800";
  static final String ID = "088432a35967701e3abd424f3c87b34bc72e9fa1af55a052b7df153f34865c24";
  static final String ENCODED = CONTENT + "00000001" + "00000064"
      + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" + "00000040"
      + "f07bd520a86c5306c1dcaa2230f575b0fe553751cf2d88e7ec7d84a3a4ba6af9"
      + "ec19ed4e7053f788a02abcdcb43fbc6db3caa304384a0980f3e1dc44a3bd070e";
  static final String LEAF = "50c44f35932509bd145c847501ef770229bddfc3210fb23d0de05fe210a6306e";

  private static InstitutionRemoval unsigned() {
    ParticipantId inst = ParticipantId.fromDigest(Sha256.hash("inst-1".getBytes(StandardCharsets.US_ASCII)));
    return new InstitutionRemoval(inst, KnownAnswerTest.CREATED, List.of());
  }

  @Test
  void contentAndIdAreExact() {
    InstitutionRemoval r = unsigned();
    assertEquals(CONTENT, Hex.encode(r.contentBytes()));
    assertEquals(ID, r.id().toHex());
    assertEquals(r, Entry.decode(Hex.decode(CONTENT + "00000000")));
  }

  @Test
  void signedEncodingAndLeafAreExact() {
    InstitutionRemoval r = Entry.sign(unsigned(), KnownAnswerTest.KAT_CHAIN.chainId(), KnownAnswerTest.RFC8032_KEY);
    assertEquals(ENCODED, Hex.encode(r.encode()));
    assertEquals(LEAF, r.leafHash().toHex());
    assertEquals(r, Entry.decode(Hex.decode(ENCODED)));
    assertEquals(r, Entry.fromJson(r.toJson()));
    assertTrue(r.toJson().contains("\"institution_removal\""), r.toJson());
    assertTrue(new BlockProcessor(KnownAnswerTest.KAT_CHAIN).signaturesValid(EncodedEntry.of(r)));
  }
}
