package io.fashionclassifier.streaming;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The bundle fuzzer: from one good bundle (a randomly initialised MLP with an acceptance slice), it makes hostile
 * candidates (manifests, parameter files, acceptance files and pointer files truncated, flipped, with huge or
 * negative counts and lengths, wrong shapes, missing files, garbage JSON), names each in the {@code active} or
 * {@code shadow} pointer of a watched repository, and checks that each ends refused (counted in
 * {@code fashion_model_refused_total}) while the models in service stay, and that a good candidate named right
 * after is taken up. Parameter mutations rewrite the manifest's version to the mutated file's hash, so that they
 * get past the hash check, as a bundle written by a broken trainer would.
 *
 * <p>It runs as a main in a JVM with a small heap and {@code -XX:+ExitOnOutOfMemoryError} ({@link
 * BundleFuzzTest}), so that a candidate that makes the process allocate what its files claim kills the run as it
 * would kill a pod. Prints one line per case and {@code FUZZ OK <cases>} at the end; exits 1 after listing the
 * cases that were not refused, or after which a good candidate was not taken up.
 */
public final class BundleFuzz {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Random random;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<Path> good = new ArrayList<>();
  private final List<String> goodVersions = new ArrayList<>();
  private final List<String> failures = new ArrayList<>();
  private ModelWatcher watcher;

  private BundleFuzz(Path dir, long seed) {
    this.dir = dir;
    this.random = new Random(seed);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    BundleFuzz fuzz = new BundleFuzz(dir, seed);
    int cases = fuzz.run(rounds);
    if (fuzz.failures.isEmpty()) {
      System.out.println("FUZZ OK " + cases);
    } else {
      System.out.println("FUZZ FAILED " + fuzz.failures.size() + " of " + cases + ":");
      fuzz.failures.forEach(failure -> System.out.println("  " + failure));
    }
    System.out.flush();
    // DJL's and the watcher's threads are daemons; exit explicitly all the same
    System.exit(fuzz.failures.isEmpty() ? 0 : 1);
  }

  /**
   * One named hostile candidate: what it is, and what it does to a copy of the good bundle; {@code mayBeValid}
   * when the change can leave a valid bundle (a flipped byte in a JSON key the manifest ignores), which may then
   * be taken up instead of refused.
   */
  private record Mutation(String name, Consumer<Path> apply, boolean mayBeValid) {
    Mutation(String name, Consumer<Path> apply) {
      this(name, apply, false);
    }
  }

  private int run(int rounds) throws IOException {
    for (int i = 0; i < 2; i++) {
      Path bundle = dir.resolve("good-" + i);
      goodVersions.add(goodBundle(bundle, 11 + i));
      good.add(bundle);
    }
    Files.writeString(dir.resolve(ModelRepository.ACTIVE), "good-0\n");
    ModelRepository repository = ModelRepository.at(dir);
    // an hour between polls: the fuzzer polls by hand, case by case
    watcher = ModelWatcher.start(repository, Optional.empty(), Duration.ofHours(1), registry);
    int cases = 0;
    for (int round = 0; round < rounds; round++) {
      List<Mutation> mutations = mutations();
      for (Mutation mutation : mutations) {
        String role = cases % 2 == 0 ? ModelWatcher.ACTIVE : ModelWatcher.SHADOW;
        runCase(cases, role, mutation);
        cases++;
      }
    }
    watcher.close();
    return cases;
  }

  private void runCase(int index, String role, Mutation mutation) throws IOException {
    String name = "case-" + index;
    Path candidate = dir.resolve(name);
    copy(good.get(0), candidate);
    String pointerContent = name + "\n";
    if (mutation.name().startsWith("pointer ")) {
      pointerContent = pointerGarbage(mutation.name(), name);
    } else {
      mutation.apply().accept(candidate);
    }
    ServedModel servingActive = watcher.get().active();
    double refusedBefore = refused(role);
    Files.writeString(dir.resolve(role), pointerContent, StandardCharsets.ISO_8859_1);

    poll(index, role, mutation);

    boolean refused = refused(role) == refusedBefore + 1;
    boolean unchanged = watcher.get().active() == servingActive
        && (ModelWatcher.ACTIVE.equals(role) || watcher.get().shadow() == null);
    boolean noOp = mutation.name().equals("pointer empty");
    boolean takenUp = !refused && !unchanged;
    if (!(noOp ? unchanged : refused && unchanged || mutation.mayBeValid() && takenUp)) {
      fail(index, role, mutation, "not refused (refused " + refused + ", lineup unchanged " + unchanged + ")");
    }
    System.out.println("case " + index + " " + role + " " + mutation.name() + ": "
        + (noOp ? "ignored" : takenUp ? "valid, taken up" : "refused"));

    // a good candidate named afterwards is still taken up
    Files.writeString(dir.resolve(ModelWatcher.SHADOW), "", StandardCharsets.UTF_8);
    if (ModelWatcher.ACTIVE.equals(role)) {
      int next = 1 - nextGoodActive();
      Files.writeString(dir.resolve(ModelWatcher.ACTIVE), "good-" + next + "\n", StandardCharsets.UTF_8);
      poll(index, role, mutation);
      if (!watcher.get().active().version().equals(goodVersions.get(next))) {
        fail(index, role, mutation, "the good bundle good-" + next + " named next was not taken up");
      }
    } else {
      poll(index, role, mutation);
      String other = "good-" + (1 - nextGoodActive());
      Files.writeString(dir.resolve(ModelWatcher.SHADOW), other + "\n", StandardCharsets.UTF_8);
      poll(index, role, mutation);
      ServedModel shadow = watcher.get().shadow();
      if (shadow == null || !shadow.version().equals(goodVersions.get(1 - nextGoodActive()))) {
        fail(index, role, mutation, "the good bundle " + other + " named next as shadow was not taken up");
      }
      Files.writeString(dir.resolve(ModelWatcher.SHADOW), "", StandardCharsets.UTF_8);
      poll(index, role, mutation);
    }
    deleteTree(candidate);
  }

  /** One poll; whatever escapes it is a failure of the case (the scheduled task would have died of it). */
  private void poll(int index, String role, Mutation mutation) {
    try {
      watcher.poll();
    } catch (Throwable e) {
      fail(index, role, mutation, "the poll threw " + e);
    }
  }

  private int nextGoodActive() {
    String active = watcher.get().active().version();
    return goodVersions.indexOf(active);
  }

  private void fail(int index, String role, Mutation mutation, String problem) {
    String failure = "case " + index + " " + role + " " + mutation.name() + ": " + problem;
    System.out.println("FAILED " + failure);
    failures.add(failure);
  }

  private double refused(String role) {
    Counter counter = registry.find("fashion.model.refused").tag("role", role).counter();
    return counter == null ? 0 : counter.count();
  }

  // --- the mutations ---

  private List<Mutation> mutations() {
    List<Mutation> all = new ArrayList<>();
    // manifests
    all.add(new Mutation("manifest truncated", b -> truncate(b.resolve(ModelBundle.MANIFEST_FILE))));
    all.add(new Mutation("manifest garbage", b -> write(b.resolve(ModelBundle.MANIFEST_FILE), randomBytes(300))));
    all.add(new Mutation("manifest not an object", b -> write(b.resolve(ModelBundle.MANIFEST_FILE), "[1,2,3]")));
    all.add(new Mutation("manifest missing", b -> delete(b.resolve(ModelBundle.MANIFEST_FILE))));
    all.add(new Mutation("manifest byte flipped", b -> flip(b.resolve(ModelBundle.MANIFEST_FILE)), true));
    all.add(new Mutation("manifest huge", b -> editManifest(b, m -> m.put("padding", "x".repeat(3 << 20)))));
    all.add(new Mutation("manifest deep nesting", b -> write(b.resolve(ModelBundle.MANIFEST_FILE),
        "[".repeat(100_000))));
    all.add(new Mutation("manifest parameters outside the bundle",
        b -> editManifest(b, m -> m.put("parameters_file", "../good-1/model.params"))));
    all.add(new Mutation("manifest parameters absolute",
        b -> editManifest(b, m -> m.put("parameters_file", "/dev/zero"))));
    all.add(new Mutation("manifest parameters nul", b -> editManifest(b, m -> m.put("parameters_file", "a\u0000b"))));
    all.add(new Mutation("manifest wrong architecture", b -> editManifest(b, m -> m.put("architecture", "cnn"))));
    all.add(new Mutation("manifest unknown architecture", b -> editManifest(b, m -> m.put("architecture", "rnn"))));
    all.add(new Mutation("manifest input shape", b -> editManifest(b, m -> m.putArray("input_shape").add(1).add(28)
        .add(29))));
    all.add(new Mutation("manifest class names", b -> editManifest(b, m -> m.putArray("class_names").add("a"))));
    all.add(new Mutation("manifest huge number", b -> editManifest(b, m -> m.put("format_version",
        new java.math.BigInteger("9".repeat(5000))))));
    all.add(new Mutation("manifest wrong type", b -> editManifest(b, m -> m.put("input_shape", "28x28"))));
    all.add(new Mutation("manifest version missing", b -> editManifest(b, m -> m.remove("version"))));
    // parameter files (the manifest's version follows, so that the hash check passes)
    all.add(new Mutation("params truncated", b -> rehash(b, bytes -> Arrays.copyOf(bytes,
        random.nextInt(bytes.length)))));
    all.add(new Mutation("params empty", b -> rehash(b, bytes -> new byte[0])));
    all.add(new Mutation("params trailing garbage", b -> rehash(b, bytes -> concat(bytes, randomBytes(64)))));
    all.add(new Mutation("params missing", b -> delete(b.resolve(ModelBundle.PARAMETERS_FILE))));
    all.add(new Mutation("params garbage", b -> rehash(b, bytes -> randomBytes(bytes.length))));
    all.add(new Mutation("params huge data length", b -> rehash(b, bytes -> ndArrayField(bytes, "length",
        0x7fff_fff0))));
    all.add(new Mutation("params negative data length", b -> rehash(b, bytes -> ndArrayField(bytes, "length", -8))));
    all.add(new Mutation("params huge rank", b -> rehash(b, bytes -> ndArrayField(bytes, "rank", 0x7fff_fff0))));
    all.add(new Mutation("params negative rank", b -> rehash(b, bytes -> ndArrayField(bytes, "rank", -1))));
    all.add(new Mutation("params huge layout", b -> rehash(b, bytes -> ndArrayField(bytes, "layout", 0x7fff_fff0))));
    all.add(new Mutation("params huge dimension", b -> rehash(b, bytes -> ndArrayField(bytes, "dimension",
        1L << 40))));
    all.add(new Mutation("params wrong shape", b -> rehash(b, bytes -> swapFirstDimensions(bytes))));
    all.add(new Mutation("params huge input shape count", b -> rehash(b, bytes -> putInt(bytes, 1, 0x7fff_fff0))));
    all.add(new Mutation("params wrong data type", b -> rehash(b, bytes -> dataType(bytes, "INT8   "))));
    all.add(new Mutation("params block version", b -> rehash(b, bytes -> {
      bytes[0] = 0x7f;
      return bytes;
    })));
    // acceptance files
    all.add(new Mutation("acceptance json garbage", b -> write(b.resolve("acceptance.json"), randomBytes(100))));
    all.add(new Mutation("acceptance json truncated", b -> truncate(b.resolve("acceptance.json"))));
    all.add(new Mutation("acceptance min accuracy above 1", b -> editJson(b.resolve("acceptance.json"),
        m -> m.put("min_accuracy", 2.0))));
    all.add(new Mutation("acceptance images outside the bundle", b -> editJson(b.resolve("acceptance.json"),
        m -> m.put("images", "../good-1/acceptance-images.idx"))));
    all.add(new Mutation("acceptance images missing", b -> delete(b.resolve("acceptance-images.idx"))));
    all.add(new Mutation("acceptance images huge count", b -> putIntInFile(b.resolve("acceptance-images.idx"), 4,
        2_000_000)));
    all.add(new Mutation("acceptance images overflowing count", b -> putIntInFile(b.resolve("acceptance-images.idx"),
        4, 0x7fff_ffff)));
    all.add(new Mutation("acceptance images negative count", b -> putIntInFile(b.resolve("acceptance-images.idx"), 4,
        -5)));
    all.add(new Mutation("acceptance images gzip huge count", b -> gzipWithCount(b.resolve("acceptance-images.idx"),
        3_000_000)));
    all.add(new Mutation("acceptance images truncated", b -> truncate(b.resolve("acceptance-images.idx"))));
    all.add(new Mutation("acceptance images wrong size", b -> putIntInFile(b.resolve("acceptance-images.idx"), 8,
        29)));
    all.add(new Mutation("acceptance labels huge count", b -> putIntInFile(b.resolve("acceptance-labels.idx"), 4,
        0x7fff_fff0)));
    all.add(new Mutation("acceptance labels out of range", b -> putIntInFile(b.resolve("acceptance-labels.idx"), 8,
        0x7f7f7f7f)));
    all.add(new Mutation("acceptance labels fewer", b -> truncateTo(b.resolve("acceptance-labels.idx"), 8, 3)));
    // pointer files (the candidate is left intact; the pointer is what is hostile)
    all.add(new Mutation("pointer garbage", b -> {}));
    all.add(new Mutation("pointer huge", b -> {}));
    all.add(new Mutation("pointer path", b -> {}));
    all.add(new Mutation("pointer absent bundle", b -> {}));
    all.add(new Mutation("pointer empty", b -> {}));
    return all;
  }

  private String pointerGarbage(String mutation, String name) {
    return switch (mutation) {
      case "pointer garbage" -> new String(randomBytes(40), StandardCharsets.ISO_8859_1);
      case "pointer huge" -> name.repeat((8 << 20) / name.length());
      case "pointer path" -> "../" + name;
      case "pointer absent bundle" -> "no-such-bundle\n";
      case "pointer empty" -> "  \n";
      default -> throw new IllegalArgumentException(mutation);
    };
  }

  // --- building and editing bundles ---

  private static String goodBundle(Path directory, int seed) {
    String version;
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      model.getNDManager().getEngine().setRandomSeed(seed);
      Block block = Architecture.MLP.newBlock();
      block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
      // the batch the trainer initialises with, not 1: the parameters file records it
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(64, 1, 28, 28));
      model.setBlock(block);
      version = ModelBundle.save(directory, block, Architecture.MLP, false, Map.of(), null).version();
    }
    Random pixels = new Random(seed);
    byte[] images = new byte[20 * 784];
    pixels.nextBytes(images);
    byte[] labels = new byte[20];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (byte) (i % 10);
    }
    ModelBundle.writeAcceptanceSlice(directory, new LabelledImages(images, labels, 28, 28), 0.0);
    return version;
  }

  private void rehash(Path bundle, java.util.function.UnaryOperator<byte[]> change) {
    Path parameters = bundle.resolve(ModelBundle.PARAMETERS_FILE);
    byte[] changed = change.apply(read(parameters));
    write(parameters, changed);
    editManifest(bundle, m -> m.put("version", sha256(changed).substring(0, 12)));
  }

  /**
   * Sets one field of a randomly chosen array's header. The layout is DJL's NDArray encoding: "NDAR", an int
   * version, from version 3 a name flag byte and the name, the sparse format, the data type, the shape (an int
   * rank, the dimensions as longs, an int layout length and its chars), from version 3 a byte-order byte, then
   * the int data length and the data.
   */
  private byte[] ndArrayField(byte[] bytes, String field, long value) {
    List<Integer> arrays = indexesOf(bytes, "NDAR".getBytes(StandardCharsets.US_ASCII));
    Header header = header(bytes, arrays.get(random.nextInt(arrays.size())));
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    switch (field) {
      case "rank" -> buffer.putInt(header.rank(), (int) value);
      case "dimension" -> buffer.putLong(header.rank() + 4, value);
      case "layout" -> buffer.putInt(header.layout(), (int) value);
      case "length" -> buffer.putInt(header.length(), (int) value);
      default -> throw new IllegalArgumentException(field);
    }
    return bytes;
  }

  /** Offsets of an array header's rank, layout length and data length. */
  private record Header(int rank, int layout, int length) {}

  private static Header header(byte[] bytes, int magic) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    int at = magic + 4;
    int version = buffer.getInt(at);
    at += 4;
    if (version >= 3) {
      boolean named = bytes[at] != 0;
      at += 1;
      if (named) {
        at += 2 + buffer.getShort(at);
      }
    }
    at += 2 + buffer.getShort(at); // sparse format
    at += 2 + buffer.getShort(at); // data type
    int rank = at;
    int layout = rank + 4 + 8 * buffer.getInt(rank);
    int length = layout + 4 + 2 * buffer.getInt(layout) + (version >= 3 ? 1 : 0);
    return new Header(rank, layout, length);
  }

  /** The first array of rank 2 with its two dimensions swapped: same length, wrong shape. */
  private static byte[] swapFirstDimensions(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    for (int magic : indexesOf(bytes, "NDAR".getBytes(StandardCharsets.US_ASCII))) {
      int at = header(bytes, magic).rank();
      if (buffer.getInt(at) == 2 && buffer.getLong(at + 4) != buffer.getLong(at + 12)) {
        long first = buffer.getLong(at + 4);
        buffer.putLong(at + 4, buffer.getLong(at + 12));
        buffer.putLong(at + 12, first);
        return bytes;
      }
    }
    throw new IllegalStateException("no rank-2 array in the parameters");
  }

  /** Replaces the first data type name ("FLOAT32") with another of the same length. */
  private static byte[] dataType(byte[] bytes, String replacement) {
    int at = indexesOf(bytes, "FLOAT32".getBytes(StandardCharsets.US_ASCII)).get(0);
    System.arraycopy(replacement.getBytes(StandardCharsets.US_ASCII), 0, bytes, at, 7);
    return bytes;
  }

  private static List<Integer> indexesOf(byte[] bytes, byte[] pattern) {
    List<Integer> found = new ArrayList<>();
    outer:
    for (int i = 0; i + pattern.length <= bytes.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (bytes[i + j] != pattern[j]) {
          continue outer;
        }
      }
      found.add(i);
    }
    return found;
  }

  private static byte[] putInt(byte[] bytes, int at, int value) {
    ByteBuffer.wrap(bytes).putInt(at, value);
    return bytes;
  }

  private static void putIntInFile(Path file, int at, int value) {
    write(file, putInt(read(file), at, value));
  }

  /** Keeps the header of {@code headerBytes} and {@code keep} bytes after it. */
  private static void truncateTo(Path file, int headerBytes, int keep) {
    write(file, Arrays.copyOf(read(file), headerBytes + keep));
  }

  /** The images file gzipped, its header claiming {@code count} images: a small file that claims gigabytes. */
  private static void gzipWithCount(Path file, int count) {
    byte[] raw = putInt(read(file), 4, count);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(raw);
      gzip.write(new byte[1 << 20]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    write(file, out.toByteArray());
  }

  private void truncate(Path file) {
    byte[] bytes = read(file);
    write(file, Arrays.copyOf(bytes, random.nextInt(Math.max(1, bytes.length))));
  }

  private void flip(Path file) {
    byte[] bytes = read(file);
    // JSON punctuation and keys: a flip there is likelier to matter than one inside a string
    bytes[random.nextInt(Math.min(bytes.length, 40))] ^= (byte) (1 + random.nextInt(255));
    write(file, bytes);
  }

  private static void editManifest(Path bundle, Consumer<ObjectNode> change) {
    editJson(bundle.resolve(ModelBundle.MANIFEST_FILE), change);
  }

  private static void editJson(Path file, Consumer<ObjectNode> change) {
    try {
      ObjectNode node = (ObjectNode) JSON.readTree(file.toFile());
      change.accept(node);
      JSON.writeValue(file.toFile(), node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
  }

  private static void deleteTree(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(directory);
  }
}
