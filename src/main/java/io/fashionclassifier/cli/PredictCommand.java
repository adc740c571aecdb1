package io.fashionclassifier.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fashionclassifier.model.BatchClassifier;
import io.fashionclassifier.model.ImagePreprocessing;
import io.fashionclassifier.model.ModelBundle;
import io.fashionclassifier.model.ModelBundleException;
import io.fashionclassifier.model.Prediction;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code predict}: classifies image files with a model bundle. */
@Command(
    name = "predict",
    header = "Classify image files with a model bundle.",
    mixinStandardHelpOptions = true,
    description = {
      "Classifies PNG or JPEG images of any size with a model bundle: prints the label, its confidence and the "
          + "top 3 per file. Images are converted the way Fashion-MNIST was made (cropped, fitted into 28x28, gray); "
          + "the model expects a light item on a dark background, so pass --invert for ordinary dark-on-white photos."
    })
final class PredictCommand implements Callable<Integer> {

  private static final int TOP = 3;

  @Spec CommandSpec spec;

  @Mixin BundleOption model;

  @Option(names = "--invert", description = "Invert the images first (dark item on a light background).")
  boolean invert;

  @Option(names = "--json", description = "Print one JSON document with all results instead of text.")
  boolean json;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Image files (PNG, JPEG, GIF, BMP).")
  List<Path> files;

  @Override
  public Integer call() {
    try (ModelBundle bundle = ModelBundle.load(model.directory);
        BatchClassifier classifier = bundle.newClassifier()) {
      List<Prediction> predictions = classifier.classify(readImages());
      print(bundle, predictions);
      return 0;
    } catch (ModelBundleException e) {
      throw new UserError(e.getMessage(), e);
    }
  }

  private List<byte[]> readImages() {
    List<byte[]> images = new ArrayList<>(files.size());
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        throw new UserError(file + ": no such file");
      }
      try {
        images.add(ImagePreprocessing.read(file, invert));
      } catch (IOException e) {
        throw new UserError(e.getMessage(), e);
      }
    }
    return images;
  }

  private void print(ModelBundle bundle, List<Prediction> predictions) {
    PrintWriter out = spec.commandLine().getOut();
    List<String> names = bundle.manifest().classNames();
    if (json) {
      List<Map<String, Object>> results = new ArrayList<>();
      for (int i = 0; i < files.size(); i++) {
        Prediction prediction = predictions.get(i);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("file", files.get(i).toString());
        result.put("label", names.get(prediction.label()));
        result.put("label_index", prediction.label());
        result.put("confidence", prediction.confidence());
        List<Map<String, Object>> top = new ArrayList<>();
        for (Prediction.Score score : prediction.topK(TOP)) {
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("label", names.get(score.label()));
          entry.put("probability", score.probability());
          top.add(entry);
        }
        result.put("top", top);
        results.add(result);
      }
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("model_version", bundle.version());
      document.put("predictions", results);
      try {
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(document));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      for (int i = 0; i < files.size(); i++) {
        Prediction prediction = predictions.get(i);
        StringBuilder top = new StringBuilder();
        for (Prediction.Score score : prediction.topK(TOP)) {
          top.append(top.isEmpty() ? "" : ", ")
              .append(String.format("%s %.1f%%", names.get(score.label()), score.probability() * 100));
        }
        out.printf("%s: %s (%.1f%%)  top %d: %s%n", files.get(i), names.get(prediction.label()),
            prediction.confidence() * 100, TOP, top);
      }
    }
    out.flush();
  }
}
