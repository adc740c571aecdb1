package io.fashionclassifier.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.translate.Batchifier;
import ai.djl.util.Progress;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.ImagePreprocessing;
import io.fashionclassifier.model.Manifest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Labelled images as a DJL {@link Dataset} of ready-made batches, normalised by the same
 * {@link ImagePreprocessing.Normalizer} as inference: one {@code float[]} and one NDArray per batch rather than
 * one per image, which is what DJL's record-by-record datasets would cost.
 *
 * <p>{@link #training} shuffles every epoch, drops the last incomplete batch, augments, and ends an epoch early
 * when its stop condition says so (the time budget). {@link #inference} keeps the order and cuts the images into
 * chunks of at most {@value #INFERENCE_CHUNK}: the size {@code BundleClassifier} uses too, for the same reason.
 */
final class ImageBatches implements Dataset {

  /**
   * Images per validation forward pass. Keeps activations under glibc's mmap threshold (32 MB with the
   * launcher's settings), past which every layer maps and unmaps fresh memory: see {@code BundleClassifier}.
   */
  static final int INFERENCE_CHUNK = 128;

  private static final int SIDE = ImagePreprocessing.SIZE;
  private static final int PIXELS = SIDE * SIDE;
  private static final int CLASSES = 10;

  private final LabelledImages images;
  private final int batchSize;
  private final ImagePreprocessing.Normalizer normalizer =
      new ImagePreprocessing.Normalizer(Manifest.Normalization.FASHION_MNIST);
  private final Augmentation augmentation;
  private final float labelSmoothing;
  private final boolean oneHot;
  private final Random random;
  private final BooleanSupplier stop;
  private final int[] order;

  private ImageBatches(LabelledImages images, int batchSize, Augmentation augmentation, float labelSmoothing,
      boolean oneHot, Random random, BooleanSupplier stop) {
    this.images = images;
    this.batchSize = batchSize;
    this.augmentation = augmentation;
    this.labelSmoothing = labelSmoothing;
    this.oneHot = oneHot;
    this.random = random;
    this.stop = stop;
    this.order = new int[images.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
  }

  /**
   * Shuffled, augmented training batches. Labels are class indices, or probability rows when {@code oneHot} (as
   * a non-sparse loss needs), with {@code labelSmoothing} of each spread over all classes.
   */
  static ImageBatches training(LabelledImages images, int batchSize, Augmentation augmentation,
      float labelSmoothing, boolean oneHot, long seed, BooleanSupplier stop) {
    return new ImageBatches(images, Math.min(batchSize, images.size()), augmentation, labelSmoothing, oneHot,
        new Random(seed), stop);
  }

  /** The images in order, in chunks of {@value #INFERENCE_CHUNK}, without augmentation. */
  static ImageBatches inference(LabelledImages images, boolean oneHot) {
    return new ImageBatches(images, INFERENCE_CHUNK, Augmentation.NONE, 0f, oneHot, null, () -> false);
  }

  private boolean isTraining() {
    return random != null;
  }

  /** Batches per pass: complete batches only when training, all images when not. */
  int batchesPerEpoch() {
    return isTraining() ? images.size() / batchSize : (images.size() + batchSize - 1) / batchSize;
  }

  int batchSize() {
    return batchSize;
  }

  @Override
  public Iterable<Batch> getData(NDManager manager) {
    if (isTraining()) {
      shuffle();
    }
    return () -> new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < batchesPerEpoch() && !stop.getAsBoolean();
      }

      @Override
      public Batch next() {
        // not hasNext(): the stop condition may change between the two calls
        if (next >= batchesPerEpoch()) {
          throw new NoSuchElementException();
        }
        return batch(manager, next++);
      }
    };
  }

  @Override
  public void prepare(Progress progress) {
    // the images are in memory already
  }

  private Batch batch(NDManager parent, int index) {
    int from = index * batchSize;
    int count = Math.min(batchSize, images.size() - from);
    float[] pixels = new float[count * PIXELS];
    float[] labels = new float[oneHot ? count * CLASSES : count];
    byte[] source = images.pixels();
    for (int i = 0; i < count; i++) {
      int image = isTraining() ? order[from + i] : from + i;
      boolean mirror = augmentation.flip() && random.nextBoolean();
      normalizer.normalize(source, image * PIXELS, pixels, i * PIXELS, mirror);
      if (augmentation.erasing() > 0 && random.nextFloat() < augmentation.erasing()) {
        erase(pixels, i * PIXELS);
      }
      int label = images.label(image);
      if (oneHot) {
        float rest = labelSmoothing / CLASSES;
        for (int c = 0; c < CLASSES; c++) {
          labels[i * CLASSES + c] = c == label ? 1 - labelSmoothing + rest : rest;
        }
      } else {
        labels[i] = label;
      }
    }
    NDManager manager = parent.newSubManager();
    NDArray x = manager.create(pixels, new Shape(count, 1, SIDE, SIDE));
    NDArray y = manager.create(labels, oneHot ? new Shape(count, CLASSES) : new Shape(count));
    return new Batch(manager, new NDList(x), new NDList(y), count, Batchifier.STACK, Batchifier.STACK, index,
        batchesPerEpoch());
  }

  /**
   * Random erasing (Zhong et al. 2017): a rectangle of 2-33% of the image, aspect ratio 0.3-3.3, set to the
   * dataset mean (0 once normalised), so that the network cannot lean on any one part of an item.
   */
  private void erase(float[] pixels, int offset) {
    for (int attempt = 0; attempt < 10; attempt++) {
      double area = PIXELS * (0.02 + random.nextDouble() * 0.31);
      double aspect = Math.exp(Math.log(0.3) + random.nextDouble() * (Math.log(3.3) - Math.log(0.3)));
      int height = (int) Math.round(Math.sqrt(area * aspect));
      int width = (int) Math.round(Math.sqrt(area / aspect));
      if (height < 1 || width < 1 || height > SIDE || width > SIDE) {
        continue;
      }
      int top = random.nextInt(SIDE - height + 1);
      int left = random.nextInt(SIDE - width + 1);
      for (int row = top; row < top + height; row++) {
        Arrays.fill(pixels, offset + row * SIDE + left, offset + row * SIDE + left + width, 0f);
      }
      return;
    }
  }

  private void shuffle() {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
  }

  /**
   * Training-time augmentation.
   *
   * @param flip mirror each image left to right with probability 0.5
   * @param erasing probability of random erasing per image
   */
  record Augmentation(boolean flip, float erasing) {
    static final Augmentation NONE = new Augmentation(false, 0f);
  }
}
