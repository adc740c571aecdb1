package io.fashionclassifier.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What DJL writes for the parameters of an {@link Architecture}, byte for byte apart from the weights themselves
 * and the batch size the network was initialised with. A parameters file is read (bounded by the architecture's
 * size) and checked against it before DJL sees a byte.
 *
 * <p>Why: DJL's loader allocates from counts and lengths in the file (each array's data length, a shape's rank,
 * its layout's length, the number of input shapes) before it reads what they describe, and takes each
 * parameter's shape from the file. A file that claims gigabytes makes a classifier in a small heap exit with
 * {@code OutOfMemoryError}, or ask the engine for that much native memory; one with a wrong shape fails only at
 * the first forward pass. Matching the file's structure against what this DJL writes for the architecture bounds
 * what loading allocates by the architecture, and checks every parameter's name, data type, shape and length.
 *
 * <p>The reference is what DJL writes for a fresh network of the architecture, initialised twice with batch sizes
 * 1 and 2: where the two differ outside the weights is where the file records the batch size (a big-endian long
 * in each saved input shape), which a trained bundle may set to its training batch.
 */
final class ParameterLayout {

  /**
   * The largest training batch a parameters file may record: DJL keeps it in the saved input shapes, and some
   * blocks size arrays from them when they work out their output shapes.
   */
  static final long MAX_RECORDED_BATCH = 1 << 16;

  private static final Map<Architecture, ParameterLayout> LAYOUTS = new EnumMap<>(Architecture.class);

  private final Architecture architecture;
  private final byte[] reference;
  /** Byte ranges [from, to) that must equal the reference's, in order. */
  private final List<int[]> fixed;
  /** Offsets of the 8-byte batch sizes. */
  private final int[] batches;
  private final List<ParameterRegion> parameters;

  /** Where one parameter lies: its header (marker, name, data type, shape, length), then its data. */
  private record ParameterRegion(String name, String shape, int header, int data, int end) {}

  private ParameterLayout(Architecture architecture, byte[] reference, List<int[]> fixed, int[] batches,
      List<ParameterRegion> parameters) {
    this.architecture = architecture;
    this.reference = reference;
    this.fixed = fixed;
    this.batches = batches;
    this.parameters = parameters;
  }

  /** The layout of {@code architecture}, worked out once per process. */
  static synchronized ParameterLayout of(Architecture architecture) {
    return LAYOUTS.computeIfAbsent(architecture, ParameterLayout::build);
  }

  /** The size in bytes of any parameters file of this architecture. */
  int size() {
    return reference.length;
  }

  /**
   * Reads {@code file} after checking its size: never more than {@link #size()} bytes are allocated, whatever the
   * file holds.
   */
  byte[] read(Path file) {
    long size;
    byte[] bytes;
    try {
      size = Files.size(file);
      if (size != reference.length) {
        throw refused(file, size + " bytes, not " + reference.length + ": truncated, padded or another network");
      }
      try (InputStream in = Files.newInputStream(file)) {
        bytes = in.readNBytes(reference.length + 1);
      }
    } catch (IOException e) {
      throw ModelBundleException.unreadable(file + ": cannot read: " + e.getMessage(), e);
    }
    if (bytes.length != reference.length) {
      throw ModelBundleException.unreadable(file + ": changed while it was read (" + bytes.length + " bytes, "
          + reference.length + " expected); try again once it is written", null);
    }
    return bytes;
  }

  /** Throws {@link ModelBundleException} unless {@code bytes} has this architecture's structure. */
  void check(Path file, byte[] bytes) {
    if (bytes.length != reference.length) {
      throw refused(file, "its " + bytes.length + " bytes are not the " + reference.length + " of the layout");
    }
    for (int[] range : fixed) {
      int mismatch = Arrays.mismatch(bytes, range[0], range[1], reference, range[0], range[1]);
      if (mismatch >= 0) {
        throw refused(file, where(range[0] + mismatch));
      }
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    for (int offset : batches) {
      long batch = buffer.getLong(offset);
      if (batch < 1 || batch > MAX_RECORDED_BATCH) {
        throw refused(file, "the recorded batch size at byte " + offset + " is " + batch + ", outside 1-"
            + MAX_RECORDED_BATCH);
      }
    }
  }

  private ModelBundleException refused(Path file, String detail) {
    return new ModelBundleException(file + ": not the parameters of architecture '" + architecture.id()
        + "' as DJL " + Engine.getDjlVersion() + " writes them (" + detail + "); train the bundle again with 'train'");
  }

  private String where(int offset) {
    for (ParameterRegion parameter : parameters) {
      if (offset < parameter.header()) {
        return "byte " + offset + ", in the block metadata before parameter '" + parameter.name()
            + "': another network, layer version or input shape";
      }
      if (offset < parameter.data()) {
        return "byte " + offset + ", in the header of parameter '" + parameter.name()
            + "': its name, data type, shape or length is not the architecture's shape " + parameter.shape();
      }
    }
    return "byte " + offset + ", after the last parameter";
  }

  private static ParameterLayout build(Architecture architecture) {
    List<ParameterRegion> parameters = new ArrayList<>();
    byte[] one = encode(architecture, 1, parameters);
    byte[] two = encode(architecture, 2, null);
    if (one.length != two.length) {
      throw new IllegalStateException("DJL writes parameters of " + architecture.id() + " whose size depends on the"
          + " batch size; ParameterLayout cannot describe them");
    }
    boolean[] free = new boolean[one.length];
    for (ParameterRegion parameter : parameters) {
      Arrays.fill(free, parameter.data(), parameter.end(), true);
    }
    List<Integer> batches = new ArrayList<>();
    ByteBuffer first = ByteBuffer.wrap(one);
    ByteBuffer second = ByteBuffer.wrap(two);
    for (int i = 0; i < one.length; i++) {
      if (free[i] || one[i] == two[i]) {
        continue;
      }
      int start = i - Long.BYTES + 1;
      if (start < 0 || first.getLong(start) != 1 || second.getLong(start) != 2) {
        throw new IllegalStateException("DJL's parameters of " + architecture.id() + " differ with the batch size"
            + " at byte " + i + " in a way ParameterLayout does not know");
      }
      Arrays.fill(free, start, i + 1, true);
      batches.add(start);
    }
    List<int[]> fixed = new ArrayList<>();
    int from = -1;
    for (int i = 0; i <= one.length; i++) {
      boolean isFixed = i < one.length && !free[i];
      if (isFixed && from < 0) {
        from = i;
      } else if (!isFixed && from >= 0) {
        fixed.add(new int[] {from, i});
        from = -1;
      }
    }
    return new ParameterLayout(architecture, one, List.copyOf(fixed),
        batches.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(parameters));
  }

  /** What DJL writes for a fresh network initialised with {@code batch}; fills {@code regions} when given. */
  private static byte[] encode(Architecture architecture, long batch, List<ParameterRegion> regions) {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Block block = architecture.newBlock();
      block.initialize(manager, DataType.FLOAT32, new Shape(batch, 1, 28, 28));
      byte[] all = bytesOf(out -> block.saveParameters(out));
      if (regions != null) {
        int cursor = 0;
        for (Pair<String, Parameter> parameter : block.getParameters()) {
          byte[] encoded = bytesOf(out -> parameter.getValue().save(out));
          NDArray array = parameter.getValue().getArray();
          int data = Math.toIntExact(array.size() * array.getDataType().getNumOfBytes());
          int at = indexOf(all, encoded, cursor);
          if (at < 0) {
            throw new IllegalStateException("parameter " + parameter.getKey() + " of " + architecture.id()
                + " is not where DJL's layout puts it");
          }
          regions.add(new ParameterRegion(parameter.getKey(), array.getShape().toString(), at,
              at + encoded.length - data, at + encoded.length));
          cursor = at + encoded.length;
        }
      }
      return all;
    }
  }

  private interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] bytesOf(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory failed", e);
    }
    return bytes.toByteArray();
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    for (int i = from; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }
}
