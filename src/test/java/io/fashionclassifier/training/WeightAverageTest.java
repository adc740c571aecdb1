package io.fashionclassifier.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.dataset.LabelledImages;
import io.fashionclassifier.model.Architecture;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ModelBundle;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The moving average of the weights: its arithmetic, and the trainer keeping it only when validation says so. */
class WeightAverageTest {

  @TempDir Path bundle;

  @Test
  void theAverageStartsAtTheSchedulesHalfAndMovesByOneMinusTheDecayPerStep() {
    AtomicReference<Double> progress = new AtomicReference<>(0.4);
    try (Model model = Model.newInstance("average-test", Device.cpu())) {
      model.setBlock(Architecture.MLP.newBlock());
      model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
      try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()));
          WeightAverage average = new WeightAverage(0.5f, progress::get)) {
        average.onTrainingBatch(trainer, null);
        assertThat(average.average()).isNull();

        setEveryParameter(model, 0f);
        progress.set(0.5);
        average.onTrainingBatch(trainer, null); // starts from the parameters: 0
        setEveryParameter(model, 1f);
        average.onTrainingBatch(trainer, null); // 0 + 0.5 * (1 - 0)
        average.onTrainingBatch(trainer, null); // 0.5 + 0.5 * (1 - 0.5)

        assertThat(average.steps()).isEqualTo(3);
        assertThat(average.average()).hasSize(model.getBlock().getParameters().size());
        for (NDArray mean : average.average()) {
          for (float value : mean.toFloatArray()) {
            assertThat(value).isCloseTo(0.75f, within(1e-6f));
          }
        }
        assertThat(parameterValue(model)).isEqualTo(1f); // the model itself is left alone
      }
    }
  }

  @Test
  void theTrainerKeepsWhicheverOfAverageAndTrainedWeightsClassifiesTheValidationImagesBetter() throws Exception {
    FashionMnist data = FashionMnist.load(null);
    TrainingConfig config = TrainingConfig.defaults(Architecture.MLP).withEpochs(2).withLimit(2_000)
        .withSchedule(TrainingConfig.Schedule.STEPS).withWeightAverageDecay(0.9f).withShowProgress(false);

    new BundleTrainer(config, new PrintStream(OutputStream.nullOutputStream())).train(data, bundle);

    WeightAverage.Choice choice = TrainingReport.read(bundle).weightAverage();
    assertThat(choice.decay()).isEqualTo(0.9f);
    // 2 epochs of 62 steps (2,000 images in full batches of 32): the second half of the 124 steps is averaged
    assertThat(choice.steps()).isEqualTo(62);
    assertThat(choice.kept()).isEqualTo(choice.averageValidationAccuracy() > choice.trainedValidationAccuracy());
    LabelledImages validation = data.train().slice(data.train().size() - config.validationSize(), data.train().size());
    try (ModelBundle saved = ModelBundle.load(bundle);
        BatchClassifier classifier = saved.newClassifier()) {
      double accuracy = Evaluation.run(classifier, validation, FashionMnist.CLASS_NAMES).accuracy();
      assertThat(accuracy).isEqualTo(Math.max(choice.trainedValidationAccuracy(), choice.averageValidationAccuracy()));
    }
  }

  private static void setEveryParameter(Model model, float value) {
    for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
      NDArray array = parameter.getValue().getArray();
      array.muli(0f).addi(value);
    }
  }

  private static float parameterValue(Model model) {
    return model.getBlock().getParameters().get(0).getValue().getArray().toFloatArray()[0];
  }
}
