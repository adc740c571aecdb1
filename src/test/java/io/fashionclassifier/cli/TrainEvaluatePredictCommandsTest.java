package io.fashionclassifier.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.Prediction;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The train, evaluate and predict commands end to end, on one quick MLP trained by the train command. */
class TrainEvaluatePredictCommandsTest {

  @TempDir static Path work;
  private static Path model;
  private static LabelledImages test;

  @BeforeAll
  static void trainQuickModel() {
    model = work.resolve("model");
    Run train = run("train", "--arch", "mlp", "--epochs", "2", "--limit", "5000", "--no-progress",
        "--out", model.toString());
    assertThat(train.exitCode).as(train.err).isZero();
    test = FashionMnist.load(null).test();
  }

  @Test
  void evaluatePrintsTheAccuracyRecordedAtTraining() {
    Run evaluate = run("evaluate", "--model", model.toString());

    double recorded = ModelBundle.load(model).manifest().testAccuracy();
    assertThat(evaluate.exitCode).as(evaluate.err).isZero();
    assertThat(evaluate.out).contains("Ankle boot").contains(String.format("%.4f", recorded))
        .doesNotContain("note:");
  }

  @Test
  void evaluateOnTheValidationSplitClassifiesTheImagesTheTrainerHeldOut() {
    Run evaluate = run("evaluate", "--model", model.toString(), "--split", "validation", "--tta", "shift");

    Object heldOut = ModelBundle.load(model).manifest().training().get("validation_size");
    assertThat(evaluate.exitCode).as(evaluate.err).isZero();
    assertThat(evaluate.out).contains("TTA shift), " + heldOut + " validation images")
        .containsPattern("accuracy +0\\.\\d{4} +" + heldOut).doesNotContain("note:")
        .containsPattern("classified in \\d+\\.\\d s: [\\d,]+ images/s, 5 forward passes per image");
  }

  @Test
  void anUnknownTestTimeAugmentationIsOneLineExitTwo() {
    Run evaluate = run("evaluate", "--model", model.toString(), "--tta", "rotate");

    assertThat(evaluate.exitCode).isEqualTo(2);
    assertThat(evaluate.err).isEqualTo("error: --tta: unknown test-time augmentation 'rotate': use one of none, "
        + "flip, shift, flip+shift" + System.lineSeparator());
  }

  @Test
  void predictReadsAPngWrittenFromATestImage() throws IOException {
    int index = confidentlyRightImage(1);
    Path png = work.resolve("item.png");
    ImageIO.write(asImage(test.image(index), 1, false), "png", png.toFile());

    Run predict = run("predict", "--model", model.toString(), "--json", png.toString());

    assertThat(predict.exitCode).as(predict.err).isZero();
    JsonNode result = new ObjectMapper().readTree(predict.out).get("predictions").get(0);
    assertThat(result.get("label").asText()).isEqualTo(FashionMnist.CLASS_NAMES.get(test.label(index)));
    assertThat(result.get("top")).hasSize(3);
  }

  @Test
  void predictFitsALargeDarkOnLightPhotoWithInvert() throws IOException {
    int index = confidentlyRightImage(1);
    Path photo = work.resolve("photo.png");
    ImageIO.write(asImage(test.image(index), 6, true), "png", photo.toFile());

    Run predict = run("predict", "--model", model.toString(), "--invert", photo.toString());

    assertThat(predict.exitCode).as(predict.err).isZero();
    assertThat(predict.out).startsWith(photo + ": " + FashionMnist.CLASS_NAMES.get(test.label(index)) + " (")
        .contains("top 3:");
  }

  @Test
  void missingModelDirectoryIsOneLineExitTwo() {
    Path absent = work.resolve("no-such-model");

    Run evaluate = run("evaluate", "--model", absent.toString());
    Run predict = run("predict", "--model", absent.toString(), work.resolve("any.png").toString());

    assertThat(evaluate.exitCode).isEqualTo(2);
    assertThat(evaluate.err).isEqualTo("error: model directory " + absent
        + " does not exist; train one with 'train --out " + absent + "'" + System.lineSeparator());
    assertThat(predict.exitCode).isEqualTo(2);
    assertThat(predict.err).startsWith("error: model directory " + absent + " does not exist");
  }

  @Test
  void unreadableImageIsOneLineExitTwo() throws IOException {
    Path notAnImage = java.nio.file.Files.writeString(work.resolve("notes.png"), "not an image");

    Run predict = run("predict", "--model", model.toString(), notAnImage.toString());

    assertThat(predict.exitCode).isEqualTo(2);
    assertThat(predict.err).isEqualTo("error: " + notAnImage + ": not a PNG, JPEG, GIF or BMP image"
        + System.lineSeparator());
  }

  @Test
  void missingDataDirectoryIsOneLineExitTwo() {
    Path absent = work.resolve("no-such-data");

    Run evaluate = run("evaluate", "--model", model.toString(), "--data", absent.toString());
    Run train = run("train", "--arch", "mlp", "--data", absent.toString(), "--out", work.resolve("x").toString());

    for (Run failed : List.of(evaluate, train)) {
      assertThat(failed.exitCode).isEqualTo(2);
      assertThat(failed.err).startsWith("error: dataset directory " + absent + " does not exist;")
          .contains("dataset-fashion-mnist");
      assertThat(failed.err.strip()).doesNotContain("\n");
    }
  }

  @Test
  void unknownArchitectureIsAUserError() {
    Run train = run("train", "--arch", "resnet", "--out", work.resolve("y").toString());

    assertThat(train.exitCode).isEqualTo(2);
    assertThat(train.err).startsWith("error: --arch: unknown architecture 'resnet', expected one of mlp, cnn");
  }

  @Test
  void unknownScheduleIsAUserError() {
    Run train = run("train", "--schedule", "hourly", "--out", work.resolve("z").toString());

    assertThat(train.exitCode).isEqualTo(2);
    assertThat(train.err).isEqualTo("error: --schedule: unknown schedule 'hourly', expected wall-clock or steps"
        + System.lineSeparator());
  }

  /** The first test image of {@code label} that the model gets right with at least 90% confidence. */
  private static int confidentlyRightImage(int label) {
    try (ModelBundle bundle = ModelBundle.load(model);
        BatchClassifier classifier = bundle.newClassifier()) {
      List<Prediction> predictions = classifier.classify(test.images(0, 500));
      for (int i = 0; i < predictions.size(); i++) {
        if (test.label(i) == label && predictions.get(i).label() == label
            && predictions.get(i).confidence() >= 0.9f) {
          return i;
        }
      }
    }
    throw new AssertionError("no confident image of class " + label + " among the first 500");
  }

  /** The image as an RGB picture, {@code zoom} times larger, optionally dark-on-white with a wide margin. */
  private static BufferedImage asImage(byte[] pixels, int zoom, boolean photo) {
    int margin = photo ? 40 : 0;
    int size = 28 * zoom + 2 * margin;
    BufferedImage image = new BufferedImage(size, size + (photo ? 30 : 0), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int sx = (x - margin) / zoom;
        int sy = (y - margin) / zoom;
        int v = x < margin || y < margin || sx >= 28 || sy >= 28 ? 0 : pixels[sy * 28 + sx] & 0xff;
        if (photo) {
          v = 255 - v;
        }
        image.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    return image;
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exitCode = cli.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }
}
