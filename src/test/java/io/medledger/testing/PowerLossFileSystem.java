package io.medledger.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A test file system over a real directory that keeps what has not been made durable apart and
 * drops it at a simulated power loss, in the manner of LazyFS: file data becomes durable when the
 * file is forced ({@code FileChannel.force}), and directory entries (creations, renames,
 * deletions) when their directory is forced (a {@code FileChannel} opened on the directory and
 * forced). Everything else is lost by {@link #powerLoss(Survival)}.
 *
 * <p>Stores under test take a {@link Path}; give them {@link #root()} (or a path under it) and
 * every open, write, force, rename and delete goes through this file system. Each mutating call
 * (create, write, truncate, force, rename, delete, mkdir) is one <i>step</i>;
 * {@link #crashAtStep(long)} makes that step fail with an {@link IOException} and every later
 * call fail too, as if the machine had lost power just before it. {@link #powerLoss(Survival)}
 * then rewrites the real directory to what a disk would hold after the power comes back, closes
 * every channel opened before, and lets the file system be used again (a reboot).
 *
 * <p>Not supported (they throw {@link UnsupportedOperationException}): memory-mapped writes, copy,
 * links, watch services. Thread-safe (one lock); meant for single-threaded crash tests.
 */
public final class PowerLossFileSystem extends FileSystem {
  /** What survives a power loss besides what was made durable. */
  public enum Survival {
    /** Nothing: unsynced data and directory entries are dropped (the LazyFS default). */
    SYNCED_ONLY,
    /**
     * Synced directory entries; each file keeps half of the bytes it gained since its last sync
     * beyond its synced content (a torn write), when its synced content is a prefix of its content.
     */
    TORN_WRITES,
    /** Everything written (a process crash: the operating system flushes its cache later). */
    EVERYTHING
  }

  /** Which {@code force} calls to treat as if the code under test had not made them. */
  public enum ForceIgnored {
    /** Every force counts. */
    NONE,
    /** Forcing a regular file does nothing (as if the store never called {@code FileChannel.force} on data). */
    FILES,
    /** Forcing a directory does nothing (as if the store never synced a directory after creating or renaming). */
    DIRECTORIES
  }

  /** An inode: a file's durable bytes or a directory's durable entries. */
  private static final class Node {
    final long id;
    final boolean dir;
    byte[] durableData = new byte[0];
    Map<String, Long> durableEntries = new TreeMap<>();
    Set<PosixFilePermission> perms;

    Node(long id, boolean dir) {
      this.id = id;
      this.dir = dir;
    }
  }

  private final Provider provider = new Provider();
  private final FileSystem real;
  private final Path realRoot;
  private final Map<Long, Node> nodes = new HashMap<>();
  /** The current namespace: real absolute path to inode. */
  private final Map<Path, Long> links = new HashMap<>();
  private final Set<Channel> open = new HashSet<>();
  private final List<String> log = new ArrayList<>();
  private long nextId;
  private long rootId;
  private ForceIgnored ignored = ForceIgnored.NONE;
  private long steps;
  private long crashAt = Long.MAX_VALUE;
  private boolean dead;
  private int epoch;
  private ReadShaper shaper;
  private long reads;
  private long bytesRead;

  private PowerLossFileSystem(Path realRoot) throws IOException {
    this.real = realRoot.getFileSystem();
    this.realRoot = realRoot.toRealPath();
    adoptExisting();
  }

  /**
   * A power-loss file system over the existing directory {@code realRoot}; whatever it holds now
   * counts as durable.
   */
  public static PowerLossFileSystem over(Path realRoot) {
    try {
      return new PowerLossFileSystem(realRoot);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The root directory, as a path of this file system. */
  public Path root() {
    return wrap(realRoot);
  }

  /** The number of steps taken so far. */
  public synchronized long steps() {
    return steps;
  }

  /** What happened, one line per step (for failure messages). */
  public synchronized List<String> log() {
    return List.copyOf(log);
  }

  /** Makes step number {@code step} (counted from 1, over the whole life of this file system) fail. */
  public synchronized void crashAtStep(long step) {
    this.crashAt = step;
  }

  /**
   * Treats some {@code force} calls as missing, to show that a crash test fails without them.
   * They still count as steps.
   */
  public synchronized void ignoreForce(ForceIgnored which) {
    this.ignored = which;
  }

  /**
   * Decides how much one positional read ({@link FileChannel#read(ByteBuffer, long)}) returns,
   * within what {@code FileChannel}'s contract allows.
   */
  @FunctionalInterface
  public interface ReadShaper {
    /**
     * For read number {@code call} (counted from 1) of {@code requested} bytes at {@code position}
     * of {@code file}: how many bytes to return (0 to {@code requested}: a short or empty read), or
     * -1 to answer end of file (as if the file had shrunk).
     */
    int allow(long call, Path file, long position, int requested);
  }

  /** Shapes positional reads from now on ({@code null}: every read returns what the file holds). */
  public synchronized void shapeReads(ReadShaper shaper) {
    this.shaper = shaper;
  }

  /** Positional reads made so far, through any channel. */
  public synchronized long reads() {
    return reads;
  }

  /** Bytes returned by positional reads so far. */
  public synchronized long bytesRead() {
    return bytesRead;
  }

  /** Whether the simulated machine has lost power and not yet rebooted. */
  public synchronized boolean crashed() {
    return dead;
  }

  /** Makes everything written so far durable (as if the machine had been idle a while). */
  public synchronized void syncAll() {
    try {
      adoptExisting();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Simulates losing power now (if no step has failed yet) and rebooting: channels opened before
   * fail from now on, and the directory holds what {@code survival} lets survive.
   */
  public synchronized void powerLoss(Survival survival) {
    dead = true;
    for (Channel c : List.copyOf(open)) {
      c.kill();
    }
    open.clear();
    epoch++;
    try {
      if (survival == Survival.EVERYTHING) {
        adoptExisting();
      } else {
        rebuild(survival);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("rebuilding after power loss", e);
    }
    crashAt = Long.MAX_VALUE;
    dead = false;
    log.add("-- power loss (" + survival + "), reboot --");
  }

  // ------------------------------------------------------------------ model

  private void adoptExisting() throws IOException {
    nodes.clear();
    links.clear();
    Node root = newNode(true);
    rootId = root.id;
    links.put(realRoot, root.id);
    try (Stream<Path> all = Files.walk(realRoot)) {
      for (Path p : (Iterable<Path>) all.sorted()::iterator) {
        if (!p.equals(realRoot)) {
          links.put(p, newNode(Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).id);
        }
      }
    }
    for (Map.Entry<Path, Long> e : links.entrySet()) {
      snapshot(e.getKey(), nodes.get(e.getValue()));
    }
  }

  private Node newNode(boolean dir) {
    Node n = new Node(nextId++, dir);
    nodes.put(n.id, n);
    return n;
  }

  private void snapshot(Path p, Node n) throws IOException {
    if (n.dir) {
      n.durableEntries = currentEntries(p);
    } else {
      n.durableData = Files.readAllBytes(p);
    }
    try {
      n.perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException e) {
      n.perms = null;
    }
  }

  private Map<String, Long> currentEntries(Path dir) throws IOException {
    Map<String, Long> m = new TreeMap<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path c : ds) {
        Long id = links.get(c);
        if (id == null) {
          Node n = newNode(Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS));
          snapshot(c, n);
          links.put(c, n.id);
          id = n.id;
        }
        m.put(c.getFileName().toString(), id);
      }
    }
    return m;
  }

  private Path pathOf(long id) {
    for (Map.Entry<Path, Long> e : links.entrySet()) {
      if (e.getValue() == id) {
        return e.getKey();
      }
    }
    return null;
  }

  private void rebuild(Survival survival) throws IOException {
    // current contents of every linked file, for torn writes
    Map<Long, byte[]> current = new HashMap<>();
    if (survival == Survival.TORN_WRITES) {
      for (Map.Entry<Path, Long> e : links.entrySet()) {
        Node n = nodes.get(e.getValue());
        if (!n.dir && Files.isRegularFile(e.getKey())) {
          current.put(n.id, Files.readAllBytes(e.getKey()));
        }
      }
    }
    try (Stream<Path> all = Files.walk(realRoot)) {
      for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
        if (!p.equals(realRoot)) {
          Files.delete(p);
        }
      }
    }
    links.clear();
    links.put(realRoot, rootId);
    restore(realRoot, nodes.get(rootId), current);
  }

  private void restore(Path dir, Node d, Map<Long, byte[]> current) throws IOException {
    for (Map.Entry<String, Long> e : d.durableEntries.entrySet()) {
      Path p = dir.resolve(e.getKey());
      Node n = nodes.get(e.getValue());
      links.put(p, n.id);
      if (n.dir) {
        Files.createDirectory(p);
        restore(p, n, current);
      } else {
        byte[] data = n.durableData;
        byte[] now = current.get(n.id);
        if (now != null && now.length > data.length
            && java.util.Arrays.equals(now, 0, data.length, data, 0, data.length)) {
          data = java.util.Arrays.copyOf(now, data.length + (now.length - data.length) / 2);
        }
        Files.write(p, data);
      }
      if (n.perms != null) {
        Files.setPosixFilePermissions(p, n.perms);
      }
    }
  }

  private void step(String what) throws IOException {
    if (dead) {
      throw new IOException("simulated power loss: the machine is off (" + what + ")");
    }
    steps++;
    if (steps >= crashAt) {
      dead = true;
      log.add(steps + " CRASH before " + what);
      throw new IOException("simulated power loss at step " + steps + " (" + what + ")");
    }
    log.add(steps + " " + what);
  }

  private void alive(String what) throws IOException {
    if (dead) {
      throw new IOException("simulated power loss: the machine is off (" + what + ")");
    }
  }

  private String rel(Path p) {
    return realRoot.relativize(p).toString();
  }

  private static Path unwrap(Path p) {
    if (!(p instanceof WrappedPath w)) {
      throw new java.nio.file.ProviderMismatchException("not a power-loss path: " + p);
    }
    return w.delegate;
  }

  private static Path absolute(Path p) {
    return unwrap(p).toAbsolutePath().normalize();
  }

  private Path wrap(Path p) {
    return p == null ? null : new WrappedPath(this, p);
  }

  // ------------------------------------------------------------------ file operations

  private synchronized FileChannel openChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    Path p = absolute(path);
    boolean exists = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    boolean write = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
    boolean creates = !exists && (options.contains(StandardOpenOption.CREATE)
        || options.contains(StandardOpenOption.CREATE_NEW));
    if (creates) {
      step("create " + rel(p));
    } else if (exists && write && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
      step("truncate-open " + rel(p));
    } else {
      alive("open " + rel(p));
    }
    FileChannel ch = real.provider().newFileChannel(p, options, attrs);
    Long id = links.get(p);
    if (id == null) {
      Node n = newNode(Files.isDirectory(p));
      if (!creates) {
        snapshot(p, n);
      }
      links.put(p, n.id);
      id = n.id;
    }
    Channel c = new Channel(ch, nodes.get(id), epoch);
    open.add(c);
    return c;
  }

  private synchronized void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    Path p = absolute(dir);
    step("mkdir " + rel(p));
    real.provider().createDirectory(p, attrs);
    links.put(p, newNode(true).id);
  }

  private synchronized void delete(Path path) throws IOException {
    Path p = absolute(path);
    step("delete " + rel(p));
    real.provider().delete(p);
    links.remove(p);
  }

  private synchronized void move(Path source, Path target, CopyOption... options) throws IOException {
    Path s = absolute(source);
    Path t = absolute(target);
    step("rename " + rel(s) + " -> " + rel(t));
    real.provider().move(s, t, options);
    Map<Path, Long> moved = new HashMap<>();
    for (Iterator<Map.Entry<Path, Long>> it = links.entrySet().iterator(); it.hasNext();) {
      Map.Entry<Path, Long> e = it.next();
      if (e.getKey().startsWith(s)) {
        moved.put(t.resolve(s.relativize(e.getKey())), e.getValue());
        it.remove();
      } else if (e.getKey().startsWith(t)) {
        it.remove();
      }
    }
    links.putAll(moved);
  }

  private synchronized void forced(Node n) throws IOException {
    Path p = pathOf(n.id);
    boolean skip = n.dir ? ignored == ForceIgnored.DIRECTORIES : ignored == ForceIgnored.FILES;
    step((n.dir ? "fsync-dir " : "fsync ") + (p == null ? "<unlinked>" : rel(p)) + (skip ? " (ignored)" : ""));
    if (p != null && !skip) {
      snapshot(p, n);
    }
  }

  /** A file channel whose writes are steps and whose force makes the file (or directory) durable. */
  private final class Channel extends FileChannel {
    final FileChannel delegate;
    final Node node;
    final int openedIn;
    volatile boolean killed;

    Channel(FileChannel delegate, Node node, int epoch) {
      this.delegate = delegate;
      this.node = node;
      this.openedIn = epoch;
    }

    void kill() {
      killed = true;
      try {
        delegate.close();
      } catch (IOException off) {
        // the machine is off anyway
      }
    }

    private void usable() throws IOException {
      if (killed) {
        throw new ClosedChannelException();
      }
    }

    private void writeStep(String what) throws IOException {
      usable();
      synchronized (PowerLossFileSystem.this) {
        Path p = pathOf(node.id);
        step(what + " " + (p == null ? "<unlinked>" : rel(p)));
      }
    }

    private void readStep() throws IOException {
      usable();
      synchronized (PowerLossFileSystem.this) {
        alive("read");
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      readStep();
      return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      readStep();
      return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      readStep();
      ReadShaper s;
      long call;
      Path file;
      synchronized (PowerLossFileSystem.this) {
        s = shaper;
        call = ++reads;
        file = pathOf(node.id);
      }
      int allow = s == null ? dst.remaining() : s.allow(call, file, position, dst.remaining());
      if (allow < 0) {
        return -1;
      }
      int r;
      if (allow < dst.remaining()) {
        ByteBuffer part = dst.slice();
        part.limit(allow);
        r = delegate.read(part, position);
        if (r > 0) {
          dst.position(dst.position() + r);
        }
      } else {
        r = delegate.read(dst, position);
      }
      if (r > 0) {
        synchronized (PowerLossFileSystem.this) {
          bytesRead += r;
        }
      }
      return r;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      writeStep("write " + src.remaining() + " bytes to");
      return delegate.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long n = 0;
      for (int i = offset; i < offset + length; i++) {
        n += srcs[i].remaining();
      }
      writeStep("write " + n + " bytes to");
      return delegate.write(srcs, offset, length);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      writeStep("write " + src.remaining() + " bytes at " + position + " to");
      return delegate.write(src, position);
    }

    @Override
    public long position() throws IOException {
      usable();
      return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      usable();
      delegate.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      readStep();
      return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      writeStep("truncate to " + size);
      delegate.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      usable();
      forced(node);
      delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
      readStep();
      return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
      writeStep("transfer " + count + " bytes to");
      return delegate.transferFrom(src, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
      throw new UnsupportedOperationException("memory-mapped files bypass the power-loss model");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      usable();
      return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      usable();
      return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      synchronized (PowerLossFileSystem.this) {
        open.remove(this);
      }
      delegate.close();
    }
  }

  // ------------------------------------------------------------------ FileSystem

  @Override
  public FileSystemProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    // the real directory stays; the test deletes it
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public boolean isReadOnly() {
    return false;
  }

  @Override
  public String getSeparator() {
    return real.getSeparator();
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    List<Path> out = new ArrayList<>();
    real.getRootDirectories().forEach(p -> out.add(wrap(p)));
    return out;
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    return real.getFileStores();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return real.supportedFileAttributeViews();
  }

  @Override
  public Path getPath(String first, String... more) {
    return wrap(real.getPath(first, more));
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    PathMatcher m = real.getPathMatcher(syntaxAndPattern);
    return p -> m.matches(unwrap(p));
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    return real.getUserPrincipalLookupService();
  }

  @Override
  public WatchService newWatchService() {
    throw new UnsupportedOperationException();
  }

  @Override
  public String toString() {
    return "PowerLossFileSystem[" + realRoot + ", step " + steps + "]";
  }

  // ------------------------------------------------------------------ Path

  private static final class WrappedPath implements Path {
    final PowerLossFileSystem fs;
    final Path delegate;

    WrappedPath(PowerLossFileSystem fs, Path delegate) {
      this.fs = fs;
      this.delegate = delegate;
    }

    @Override
    public FileSystem getFileSystem() {
      return fs;
    }

    @Override
    public boolean isAbsolute() {
      return delegate.isAbsolute();
    }

    @Override
    public Path getRoot() {
      return fs.wrap(delegate.getRoot());
    }

    @Override
    public Path getFileName() {
      return fs.wrap(delegate.getFileName());
    }

    @Override
    public Path getParent() {
      return fs.wrap(delegate.getParent());
    }

    @Override
    public int getNameCount() {
      return delegate.getNameCount();
    }

    @Override
    public Path getName(int index) {
      return fs.wrap(delegate.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
      return fs.wrap(delegate.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
      return other instanceof WrappedPath w && delegate.startsWith(w.delegate);
    }

    @Override
    public boolean endsWith(Path other) {
      return other instanceof WrappedPath w && delegate.endsWith(w.delegate);
    }

    @Override
    public Path normalize() {
      return fs.wrap(delegate.normalize());
    }

    @Override
    public Path resolve(Path other) {
      return fs.wrap(delegate.resolve(unwrap(other)));
    }

    @Override
    public Path relativize(Path other) {
      return fs.wrap(delegate.relativize(unwrap(other)));
    }

    @Override
    public URI toUri() {
      return delegate.toUri();
    }

    @Override
    public Path toAbsolutePath() {
      return fs.wrap(delegate.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
      return fs.wrap(delegate.toRealPath(options));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int compareTo(Path other) {
      return delegate.compareTo(unwrap(other));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof WrappedPath w && w.fs == fs && w.delegate.equals(delegate);
    }

    @Override
    public int hashCode() {
      return delegate.hashCode();
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  // ------------------------------------------------------------------ provider

  private final class Provider extends FileSystemProvider {
    private FileSystemProvider real() {
      return real.provider();
    }

    @Override
    public String getScheme() {
      return "powerloss";
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Path getPath(URI uri) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      return openChannel(path, options, attrs);
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
        throws IOException {
      return openChannel(path, options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
        throws IOException {
      synchronized (PowerLossFileSystem.this) {
        alive("list " + dir);
      }
      DirectoryStream<Path> ds = real().newDirectoryStream(unwrap(dir), p -> filter.accept(wrap(p)));
      return new DirectoryStream<>() {
        @Override
        public Iterator<Path> iterator() {
          Iterator<Path> it = ds.iterator();
          return new Iterator<>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Path next() {
              return wrap(it.next());
            }
          };
        }

        @Override
        public void close() throws IOException {
          ds.close();
        }
      };
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
      PowerLossFileSystem.this.createDirectory(dir, attrs);
    }

    @Override
    public void delete(Path path) throws IOException {
      PowerLossFileSystem.this.delete(path);
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) {
      throw new UnsupportedOperationException("copy is not modelled");
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
      PowerLossFileSystem.this.move(source, target, options);
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
      return real().isSameFile(unwrap(path), unwrap(path2));
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
      return real().isHidden(unwrap(path));
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
      return real().getFileStore(unwrap(path));
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        alive("access " + path);
      }
      real().checkAccess(unwrap(path), modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
      return real().getFileAttributeView(unwrap(path), type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
        throws IOException {
      synchronized (PowerLossFileSystem.this) {
        alive("stat " + path);
      }
      return real().readAttributes(unwrap(path), type, options);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        alive("stat " + path);
      }
      return real().readAttributes(unwrap(path), attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
      synchronized (PowerLossFileSystem.this) {
        step("setattr " + attribute + " " + path);
      }
      real().setAttribute(unwrap(path), attribute, value, options);
    }
  }
}
