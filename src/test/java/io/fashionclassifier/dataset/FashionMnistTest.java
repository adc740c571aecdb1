package io.fashionclassifier.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

  @TempDir Path dir;

  @Test
  void loadsTheRealDataset() {
    FashionMnist data = FashionMnist.load(null);

    assertThat(data.train().size()).isEqualTo(60_000);
    assertThat(data.test().size()).isEqualTo(10_000);
    assertThat(data.train().pixels()).hasSize(60_000 * 784);
    // first test image of the official files is an ankle boot, the first training image too
    assertThat(FashionMnist.CLASS_NAMES.get(data.test().label(0))).isEqualTo("Ankle boot");
    assertThat(FashionMnist.CLASS_NAMES.get(data.train().label(0))).isEqualTo("Ankle boot");
  }

  @Test
  void explicitDirectoryComesFirst() {
    assertThat(FashionMnist.locate(dir, Map.of(FashionMnist.DIRECTORY_ENV, "/elsewhere"))).isEqualTo(dir);
  }

  @Test
  void environmentComesBeforeTheSystemDirectory() {
    assertThat(FashionMnist.locate(null, Map.of(FashionMnist.DIRECTORY_ENV, dir.toString()))).isEqualTo(dir);
  }

  @Test
  void missingDirectorySaysHowToGetTheDataset() {
    Path absent = dir.resolve("absent");

    assertThatThrownBy(() -> FashionMnist.locate(absent, Map.of()))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(absent.toString())
        .hasMessageContaining("dataset-fashion-mnist")
        .hasMessageNotContaining("\n");
  }

  @Test
  void directoryWithoutTheFilesNamesTheMissingFile() {
    assertThatThrownBy(() -> FashionMnist.loadFrom(dir))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("train-images-idx3-ubyte.gz: file not found");
  }

  @Test
  void wrongImageCountIsReported() throws IOException {
    Files.write(dir.resolve("train-images-idx3-ubyte"),
        IdxFilesTest.imagesFile(2, 28, 28, IdxFilesTest.pixels(2, 28, 28)));
    Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxFilesTest.labelsFile(new byte[] {1, 2}));

    assertThatThrownBy(() -> FashionMnist.loadFrom(dir))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("holds 2 images, Fashion-MNIST has 60000");
  }
}
