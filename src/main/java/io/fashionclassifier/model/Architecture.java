package io.fashionclassifier.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The networks a bundle can hold. Both take a {@code (N, 1, 28, 28)} batch of normalised images and return
 * {@code (N, 10)} logits; softmax is applied at inference so that training can use the fused softmax loss.
 */
public enum Architecture {

  /** The Keras tutorial's reference MLP: Flatten, Dense 128 ReLU, Dropout 0.2, Dense 10 (~88% test accuracy). */
  MLP("mlp") {
    @Override
    public Block newBlock() {
      return new SequentialBlock()
          .add(Blocks.batchFlattenBlock())
          .add(Linear.builder().setUnits(128).build())
          .add(Activation::relu)
          .add(Dropout.builder().optRate(0.2f).build())
          .add(Linear.builder().setUnits(CLASSES).build());
    }
  },

  /**
   * Two VGG-style stages of 3x3 convolutions with batch norm (c32-c32-pool-c64-c64-pool), then dense 256 with
   * dropout 0.3: 871k parameters, 93.8-94.2% test accuracy with flip TTA in a 10-minute budget on 2 cores.
   * Convolutions carry no bias because the batch norm right after them has its own shift.
   */
  CNN("cnn") {
    @Override
    public Block newBlock() {
      return new SequentialBlock()
          .add(convBnRelu(32))
          .add(convBnRelu(32))
          .add(Pool.maxPool2dBlock(new Shape(2, 2)))
          .add(convBnRelu(64))
          .add(convBnRelu(64))
          .add(Pool.maxPool2dBlock(new Shape(2, 2)))
          .add(Blocks.batchFlattenBlock())
          .add(Linear.builder().setUnits(256).optBias(false).build())
          .add(BatchNorm.builder().build())
          .add(Activation::relu)
          .add(Dropout.builder().optRate(0.3f).build())
          .add(Linear.builder().setUnits(CLASSES).build());
    }
  };

  private static final int CLASSES = 10;

  private final String id;

  Architecture(String id) {
    this.id = id;
  }

  /** A fresh, uninitialised network. */
  public abstract Block newBlock();

  /** The name used on the command line and in {@code manifest.json}. */
  public String id() {
    return id;
  }

  /** Parses {@code mlp} or {@code cnn} (case-insensitive). */
  public static Architecture fromId(String id) {
    for (Architecture architecture : values()) {
      if (architecture.id.equals(id.toLowerCase(Locale.ROOT))) {
        return architecture;
      }
    }
    throw new IllegalArgumentException("unknown architecture '" + id + "', expected one of "
        + Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", ")));
  }

  private static Block convBnRelu(int filters) {
    return new SequentialBlock()
        .add(Conv2d.builder()
            .setKernelShape(new Shape(3, 3))
            .optPadding(new Shape(1, 1))
            .setFilters(filters)
            .optBias(false)
            .build())
        .add(BatchNorm.builder().build())
        .add(Activation::relu);
  }
}
