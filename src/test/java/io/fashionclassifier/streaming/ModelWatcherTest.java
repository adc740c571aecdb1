package io.fashionclassifier.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher over a repository of real (untrained, randomly initialised) bundles, polled by hand. */
class ModelWatcherTest {

  @TempDir Path dir;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private ModelRepository repository;
  private ModelWatcher watcher;

  @BeforeEach
  void repositoryWithOneActiveBundle() {
    bundle("one", 1);
    repository = ModelRepository.at(dir);
    repository.activate("one");
    // an hour between polls: the test polls by hand
    watcher = ModelWatcher.start(repository, Optional.empty(), Duration.ofHours(1), registry);
  }

  @AfterEach
  void close() {
    watcher.close();
  }

  private String bundle(String name, long seed) {
    try (Model model = Model.newInstance(ModelBundle.MODEL_NAME, Device.cpu())) {
      model.getNDManager().getEngine().setRandomSeed((int) seed);
      Block block = Architecture.MLP.newBlock();
      block.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      model.setBlock(block);
      return ModelBundle.save(dir.resolve(name), block, Architecture.MLP, false, Map.of(), null).version();
    }
  }

  private double refused() {
    var counter = registry.find("fashion.model.refused").tag("role", "active").counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aCorruptCandidateIsRefusedOnceAndTheServingModelStays() throws IOException {
    ModelLineup serving = watcher.get();
    bundle("broken", 2);
    Path parameters = dir.resolve("broken").resolve(ModelBundle.PARAMETERS_FILE);
    byte[] bytes = Files.readAllBytes(parameters);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(parameters, bytes);
    repository.activate("broken");

    watcher.poll();
    watcher.poll();

    assertThat(watcher.get()).as("the same lineup").isSameAs(serving);
    assertThat(refused()).as("refused once, not again until its files change").isEqualTo(1.0);
    try (BatchClassifier classifier = watcher.get().active().lease()) {
      assertThat(classifier.classify(List.of(new byte[28 * 28]))).hasSize(1);
    }
  }

  @Test
  void aValidCandidateReplacesTheActiveModelWhichClosesWhenItsLastTaskLetsGo() {
    ServedModel old = watcher.get().active();
    BatchClassifier stillInUse = old.lease();
    String version = bundle("two", 3);
    repository.activate("two");

    watcher.poll();

    assertThat(watcher.get().active().version()).isEqualTo(version);
    assertThat(watcher.versions()).isEqualTo(new ModelVersions(version, null));
    assertThat(old.isClosed()).as("a task is still classifying with it").isFalse();
    assertThat(stillInUse.classify(List.of(new byte[28 * 28]))).hasSize(1);
    stillInUse.close();
    assertThat(old.isClosed()).isTrue();
    assertThat(old.lease()).as("no task can take it any more").isNull();
  }

  @Test
  void aShadowIsLoadedNextToTheActiveModelAndPromotedWithoutLoadingAgain() {
    String version = bundle("two", 3);
    repository.shadow("two");
    watcher.poll();
    ServedModel shadow = watcher.get().shadow();
    assertThat(shadow.version()).isEqualTo(version);

    repository.activate("two");
    watcher.poll();

    assertThat(watcher.get().active()).isSameAs(shadow);
    assertThat(watcher.get().shadow()).isNull();
  }
}
