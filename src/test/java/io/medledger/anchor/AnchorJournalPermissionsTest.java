package io.medledger.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13, finding 8: the anchor journal's directory is owner-only (its files are 0600 temp files renamed). */
class AnchorJournalPermissionsTest {
  @TempDir
  Path dir;

  @Test
  void journalDirectoryIsOwnerOnly() throws IOException {
    Path journal = dir.resolve("anchors");
    AnchorJournal.inDirectory(journal);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(journal)));
  }
}
