package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.medledger.access.ParticipantKind;
import io.medledger.client.Identity;
import io.medledger.client.KeyCard;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key cards a node keeps in its data directory, read back from hostile files. */
class KeyCardStoreTest {
  @TempDir
  Path dir;

  @Test
  void publishedCardsAreReadBackAndHostileCardFilesAreSkipped() throws Exception {
    Path cards = dir.resolve("keycards");
    KeyCard kept = Identity.generate(ParticipantKind.PATIENT, "p").card();
    assertTrue(KeyCardStore.open(cards).publish(kept));
    KeyCard other = Identity.generate(ParticipantKind.PATIENT, "q").card();
    // an enormous file (sparse: it takes no space) under the name of a card
    try (RandomAccessFile f = new RandomAccessFile(cards.resolve(other.id().toHex() + ".card").toFile(), "rw")) {
      f.setLength(3L << 30);
    }
    // a directory under the name of a card
    Files.createDirectory(cards.resolve(Identity.generate(ParticipantKind.PATIENT, "r").card().id().toHex() + ".card"));
    KeyCardStore again = KeyCardStore.open(cards);
    assertEquals(kept, again.lookup(kept.id()).orElseThrow());
    assertTrue(again.lookup(other.id()).isEmpty());
  }

  @Test
  void theTemporaryFilesOfWritesThatCrashesCutShortAreDeletedOnOpening() throws Exception {
    Path cards = dir.resolve("keycards");
    KeyCard kept = Identity.generate(ParticipantKind.PATIENT, "p").card();
    assertTrue(KeyCardStore.open(cards).publish(kept));
    // each crash inside a publication of another participant's card left its temporary file, never acknowledged
    for (int crash = 0; crash < 3; crash++) {
      KeyCard cut = Identity.generate(ParticipantKind.PATIENT, "c" + crash).card();
      String name = crash == 2 ? cut.id().toHex() + ".card.tmp" // as versions before random names left them
          : "." + cut.id().toHex() + ".card." + crash + "1234567.tmp";
      Files.write(cards.resolve(name), crash == 0 ? new byte[0] : new byte[] {1, 2, 3});
    }
    KeyCardStore again = KeyCardStore.open(cards);
    try (java.util.stream.Stream<Path> files = Files.list(cards)) {
      assertEquals(java.util.List.of(kept.id().toHex() + ".card"), files.map(p -> p.getFileName().toString()).toList(),
          "leftover temporary files were kept");
    }
    assertEquals(kept, again.lookup(kept.id()).orElseThrow());
  }

  @Test
  void aCardWithoutAResearchKeyIsUpgradedOnceWithTheSameKeysAndTheUpgradeIsKept() throws Exception {
    Path cards = dir.resolve("keycards");
    io.medledger.crypto.Ed25519PrivateKey ledger = io.medledger.crypto.Ed25519PrivateKey.generate(
        new java.security.SecureRandom());
    io.medledger.pre.SecretKey enc = io.medledger.pre.SecretKey.random();
    io.medledger.pre.SecretKey frag = io.medledger.pre.SecretKey.random();
    Identity old = Identity.of(ParticipantKind.PATIENT, "p", ledger, enc, frag);
    Identity full = Identity.of(ParticipantKind.PATIENT, "p", ledger, enc, frag, io.medledger.pre.SecretKey.random());
    KeyCardStore store = KeyCardStore.open(cards);
    assertTrue(store.publish(old.card()));
    Identity otherMain = Identity.of(ParticipantKind.PATIENT, "p", ledger, io.medledger.pre.SecretKey.random(), frag,
        io.medledger.pre.SecretKey.random());
    assertThrows(IllegalArgumentException.class, () -> store.publish(otherMain.card()));
    assertTrue(store.publish(full.card()));
    assertThrows(IllegalArgumentException.class, () -> store.publish(old.withResearchKey().card()));
    assertThrows(IllegalArgumentException.class, () -> store.publish(old.card()));
    assertEquals(full.card(), KeyCardStore.open(cards).lookup(full.id()).orElseThrow());
  }
}
