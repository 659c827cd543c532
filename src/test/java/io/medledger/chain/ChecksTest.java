package io.medledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantId;
import io.medledger.access.Purpose;
import io.medledger.chain.ChainFixture.Actor;
import io.medledger.codec.ByteString;
import io.medledger.codec.MalformedEncodingException;
import io.medledger.crypto.Digest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every limit of {@code chain.Checks}, at the bound and one past it, directly and through the entries that use it. */
class ChecksTest {
  final ChainFixture f = ChainFixture.builder().genesis(false).build();

  private static void refused(String reasonPart, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
    assertTrue(x.getMessage().contains(reasonPart), x.getMessage());
  }

  @Test
  void notNullReturnsItsArgument() {
    Object o = new Object();
    org.junit.jupiter.api.Assertions.assertSame(o, Checks.notNull(o, "o"));
    NullPointerException e = assertThrows(NullPointerException.class, () -> Checks.notNull(null, "thing"));
    assertEquals("thing", e.getMessage());
  }

  @Test
  void idsAndParticipantsConvertEveryElement() {
    List<ParticipantId> ps = List.of(f.actor("a").id(), f.actor("b").id());
    assertEquals(List.of(ps.get(0).digest(), ps.get(1).digest()), Checks.ids(ps));
    assertEquals(ps, Checks.participants(Checks.ids(ps)));
  }

  @Test
  void nonNegative() {
    assertEquals(0, Checks.nonNegative(0, "n"));
    refused("n is negative", () -> Checks.nonNegative(-1, "n"));
    refused("createdAt is negative", () -> new PatientRegistration(f.actor("a").publicKey(), -1, List.of()));
  }

  @Test
  void resourceType() {
    assertEquals("A", Checks.resourceType("A"));
    String longest = "O" + "b".repeat(63);
    assertEquals(longest, Checks.resourceType(longest));
    for (String bad : new String[] {null, "", "observation", "Obs1", "O" + "b".repeat(64), "Obs ervation"}) {
      refused("FHIR resource type", () -> Checks.resourceType(bad));
    }
  }

  @Test
  void listBound() {
    List<Integer> three = List.of(1, 2, 3);
    assertEquals(three, Checks.list(new ArrayList<>(three), "l", 3));
    refused("l has more than 2 items", () -> Checks.list(three, "l", 2));
    List<Integer> copy = new ArrayList<>(three);
    List<Integer> kept = Checks.list(copy, "l", 3);
    copy.add(4);
    assertEquals(three, kept, "the list is copied");
    assertThrows(NullPointerException.class, () -> Checks.list(null, "l", 3));
  }

  @Test
  void distinct() {
    assertEquals(List.of(2, 1), Checks.distinct(List.of(2, 1), "d", 2));
    refused("d has duplicates", () -> Checks.distinct(List.of(1, 2, 1), "d", 3));
    refused("d has more than 2 items", () -> Checks.distinct(List.of(1, 2, 3), "d", 2));
  }

  @Test
  void sortedDistinct() {
    assertEquals(List.of(1, 2, 3), Checks.sortedDistinct(List.of(1, 2, 3), "s", 3));
    refused("s must be sorted and without duplicates", () -> Checks.sortedDistinct(List.of(1, 1), "s", 3));
    refused("s must be sorted and without duplicates", () -> Checks.sortedDistinct(List.of(1, 3, 2), "s", 3));
    refused("s must be sorted and without duplicates", () -> Checks.sortedDistinct(List.of(2, 1), "s", 3));
    refused("s has more than 2 items", () -> Checks.sortedDistinct(List.of(1, 2, 3), "s", 2));
  }

  @Test
  void bytesBound() {
    ByteString four = ByteString.of(new byte[4]);
    assertEquals(four, Checks.bytes(four, "b", 4));
    refused("b is longer than 3 bytes", () -> Checks.bytes(four, "b", 3));
    assertThrows(NullPointerException.class, () -> Checks.bytes(null, "b", 3));
  }

  // ------------------------------------------------------------- through the entries

  private MedicalRecord record(List<ParticipantId> nodes, int metadataBytes, String type) {
    Actor a = f.actor("alice");
    return new MedicalRecord(a.id(), a.id(), Optional.empty(), type, ChainFixture.digest("p"), 1, nodes,
        ByteString.of(new byte[metadataBytes]), 0, Optional.empty(), List.of());
  }

  private List<ParticipantId> nodes(int n) {
    List<ParticipantId> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(f.actor("node-" + i).id());
    }
    return out;
  }

  @Test
  void recordLimits() {
    record(nodes(Limits.MAX_STORAGE_NODES), Limits.MAX_ENCRYPTION_METADATA, "Observation");
    refused("storageNodes has more than", () -> record(nodes(Limits.MAX_STORAGE_NODES + 1), 0, "Observation"));
    List<ParticipantId> twice = new ArrayList<>(nodes(2));
    twice.add(twice.get(0));
    refused("storageNodes has duplicates", () -> record(twice, 0, "Observation"));
    refused("encryptionMetadata is longer", () -> record(nodes(1), Limits.MAX_ENCRYPTION_METADATA + 1, "Observation"));
    refused("FHIR resource type", () -> record(nodes(1), 0, "observation"));
  }

  @Test
  void grantAndScopeLimits() {
    Actor a = f.actor("alice");
    Actor g = f.actor("grantee");
    refused("resourceTypes must be sorted", () -> new AccessScope(AccessScope.Kind.RESOURCE_TYPES,
        List.of("Observation", "Condition"), List.of()));
    List<Digest> recs = new ArrayList<>();
    for (int i = 0; i <= Limits.MAX_SCOPE_ITEMS; i++) {
      recs.add(ChainFixture.digest("r" + i));
    }
    Collections.sort(recs);
    refused("records has more than", () -> AccessScope.records(recs.toArray(Digest[]::new)));
    AccessScope.records(recs.subList(0, Limits.MAX_SCOPE_ITEMS).toArray(Digest[]::new));
    List<ParticipantId> proxies = List.of(f.actor("p1").id(), f.actor("p1").id());
    refused("proxies has duplicates", () -> new AccessGrant(a.id(), g.id(), AccessScope.all(), Purpose.TREATMENT, 0, 10,
        proxies, 1, List.of(ByteString.of(new byte[1]), ByteString.of(new byte[1])), 0, List.of()));
    refused("keyFragment is longer", () -> new AccessGrant(a.id(), g.id(), AccessScope.all(), Purpose.TREATMENT, 0, 10,
        List.of(f.actor("p1").id()), 1, List.of(ByteString.of(new byte[Limits.MAX_KEY_FRAGMENT + 1])), 0, List.of()));
  }

  @Test
  void endorsementsAreSortedAndDistinct() {
    Actor a = f.actor("alice");
    Actor b = f.actor("bob");
    PatientRegistration p = new PatientRegistration(a.publicKey(), 0, List.of());
    byte[] msg = p.signingMessage(f.params.chainId());
    Endorsement ea = Endorsement.sign(a.key(), msg);
    Endorsement eb = Endorsement.sign(b.key(), msg);
    List<Endorsement> sorted = new ArrayList<>(List.of(ea, eb));
    Collections.sort(sorted);
    new PatientRegistration(a.publicKey(), 0, sorted);
    refused("endorsements must be sorted", () -> new PatientRegistration(a.publicKey(), 0, List.of(ea, ea)));
    refused("endorsements must be sorted",
        () -> new PatientRegistration(a.publicKey(), 0, List.of(sorted.get(1), sorted.get(0))));
    // the same rule applies to decoded bytes: swap the two endorsements in a valid encoding
    byte[] enc = new PatientRegistration(a.publicKey(), 0, sorted).encode();
    int content = p.contentBytes().length;
    int item = 4 + 32 + 4 + 64;
    byte[] swapped = enc.clone();
    System.arraycopy(enc, content + 4 + item, swapped, content + 4, item);
    System.arraycopy(enc, content + 4, swapped, content + 4 + item, item);
    MalformedEncodingException e = assertThrows(MalformedEncodingException.class, () -> Entry.decode(swapped));
    assertTrue(e.getMessage().contains("sorted"), e.getMessage());
  }
}
