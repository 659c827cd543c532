package io.medledger.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.medledger.access.ParticipantId;
import io.medledger.chain.Entry;
import io.medledger.chain.PatientRegistration;
import io.medledger.crypto.Digest;
import io.medledger.crypto.Ed25519PrivateKey;
import io.medledger.storage.ReplicatedBlobStore;
import io.medledger.storage.StorageNode;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything a testnet and its running nodes (federation, audit and storage) write under their
 * directory is the owner's alone, whatever the process umask (here the build's, commonly 022).
 */
class OwnerOnlyTreeTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  @Test
  void nothingATestnetAndItsNodesWriteIsAccessibleByGroupOrOthers() throws Exception {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions only");
    Path net = dir.resolve("net");
    Testnet.Layout t = Testnet.create(net, NodeRuntimeTest.options(1, 1, 1), RANDOM);
    List<Node> nodes = new ArrayList<>();
    try {
      for (Path p : t.nodeDirectories()) {
        nodes.add(Node.start(NodeConfig.read(p.resolve("node.json")), NodeMetrics.NONE));
      }
      Digest chainId = nodes.get(0).ledger().parameters().chainId();
      Ed25519PrivateKey patient = Ed25519PrivateKey.generate(RANDOM);
      Finality f = nodes.get(0).submit(Entry.sign(new PatientRegistration(patient.publicKey(),
          System.currentTimeMillis(), List.of()), chainId, patient, NodeRuntimeTest.registrar(t))).get(30, TimeUnit.SECONDS);
      Node storage = nodes.get(2);
      NodeRuntimeTest.waitFor(() -> storage.ledger().height() >= f.height(), "the storage node to follow");
      ClientChannel ch = ClientChannel.connect(storage.clientAddress().orElseThrow(), storage.ledgerKey(),
          TlsIdentity.of(patient), NodeCluster.LIMITS);
      try {
        String name = ParticipantId.of(storage.ledgerKey()).toHex();
        StorageNodeClient c = new StorageNodeClient(name, storage.ledgerKey(), chainId, ch, 64 << 10,
             Duration.ofSeconds(20), Duration.ofSeconds(10));
        ReplicatedBlobStore r = new ReplicatedBlobStore(List.of(new StorageNode(name, c)), 1, dir.resolve("spool"));
        byte[] data = new byte[200_000];
        RANDOM.nextBytes(data);
        Digest id = r.putReplicated(data).id();
        assertArrayEquals(data, r.read(id, List.of()));
      } finally {
        ch.close();
      }
    } finally {
      nodes.forEach(Node::close);
    }
    assertEquals(Set.of(), accessibleByOthers(net), "group or other permission bits under " + net);
  }

  /** Every file and directory under {@code root} (itself included) with a group or other permission bit. */
  static Set<String> accessibleByOthers(Path root) throws IOException {
    Set<String> found = new TreeSet<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      private void check(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
          return;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission x : perms) {
          if (x.name().startsWith("GROUP_") || x.name().startsWith("OTHERS_")) {
            found.add(root.relativize(p) + " " + PosixFilePermissions.toString(perms));
            return;
          }
        }
      }

      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
        check(d);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
        check(f);
        return FileVisitResult.CONTINUE;
      }
    });
    return found;
  }
}
