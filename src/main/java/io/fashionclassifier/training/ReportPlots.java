package io.fashionclassifier.training;

import io.fashionclassifier.dataset.LabelledImages;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/** The report's PNG plots: XChart for the curves and the confusion matrix, Java2D for the image grid. */
final class ReportPlots {

  static final String CURVES_FILE = "training-curves.png";
  static final String CONFUSION_FILE = "confusion-matrix.png";
  static final String SAMPLES_FILE = "samples.png";

  private static final int GRID = 5;
  private static final int ZOOM = 4;

  static {
    // Plots are written on servers without a display.
    System.setProperty("java.awt.headless", "true");
  }

  private ReportPlots() {}

  /** Loss and accuracy per epoch, training vs validation, side by side. */
  static void trainingCurves(List<EpochStats> epochs, Path file) throws IOException {
    List<Integer> x = epochs.stream().map(EpochStats::epoch).toList();
    XYChart loss = new XYChartBuilder().width(560).height(400).title("Loss").xAxisTitle("epoch").build();
    XYChart accuracy = new XYChartBuilder().width(560).height(400).title("Accuracy").xAxisTitle("epoch").build();
    for (XYChart chart : List.of(loss, accuracy)) {
      chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
      chart.getStyler().setDecimalPattern("0.###");
    }
    accuracy.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    loss.addSeries("training", x, epochs.stream().map(EpochStats::trainLoss).toList());
    loss.addSeries("validation", x, epochs.stream().map(EpochStats::validationLoss).toList());
    accuracy.addSeries("training", x, epochs.stream().map(EpochStats::trainAccuracy).toList());
    accuracy.addSeries("validation", x, epochs.stream().map(EpochStats::validationAccuracy).toList());
    BitmapEncoder.saveBitmap(List.of(loss, accuracy), 1, 2, withoutExtension(file), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Test-set confusion matrix: true label down the side, predicted label along the bottom. */
  static void confusionMatrix(List<String> classNames, int[][] confusion, Path file) throws IOException {
    int classes = classNames.size();
    HeatMapChart chart = new HeatMapChartBuilder().width(900).height(760).title("Confusion matrix (test set)")
        .xAxisTitle("predicted").yAxisTitle("true").build();
    chart.getStyler().setShowValue(true);
    chart.getStyler().setValueFontColor(Color.BLACK);
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setRangeColors(new Color[] {Color.WHITE, new Color(0x9ecae1), new Color(0x08519c)});
    chart.getStyler().setHeatMapValueDecimalPattern("0");
    List<Number[]> cells = new ArrayList<>();
    // y index 0 is drawn at the bottom, so the first class goes to the top row
    for (int actual = 0; actual < classes; actual++) {
      for (int predicted = 0; predicted < classes; predicted++) {
        cells.add(new Number[] {predicted, classes - 1 - actual, confusion[actual][predicted]});
      }
    }
    List<String> topDown = new ArrayList<>(classNames);
    java.util.Collections.reverse(topDown);
    chart.addSeries("confusion", classNames, topDown, cells);
    BitmapEncoder.saveBitmap(chart, withoutExtension(file), BitmapEncoder.BitmapFormat.PNG);
  }

  /** The first 25 test images with the predicted label; mistakes get a red frame and the true label. */
  static void samples(LabelledImages images, Evaluation evaluation, Path file) throws IOException {
    int tile = 28 * ZOOM;
    int cellWidth = tile + 48;
    int cellHeight = tile + 36;
    BufferedImage grid = new BufferedImage(GRID * cellWidth, GRID * cellHeight, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = grid.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      List<String> names = evaluation.classNames();
      for (int i = 0; i < Math.min(GRID * GRID, images.size()); i++) {
        int left = (i % GRID) * cellWidth + 24;
        int top = (i / GRID) * cellHeight + 4;
        byte[] pixels = images.image(i);
        for (int y = 0; y < 28; y++) {
          for (int x = 0; x < 28; x++) {
            int v = pixels[y * 28 + x] & 0xff;
            g.setColor(new Color(v, v, v));
            g.fillRect(left + x * ZOOM, top + y * ZOOM, ZOOM, ZOOM);
          }
        }
        int predicted = evaluation.predictedLabels()[i];
        boolean correct = predicted == images.label(i);
        g.setColor(correct ? new Color(0x1a7f37) : Color.RED);
        if (!correct) {
          g.drawRect(left - 2, top - 2, tile + 3, tile + 3);
          g.drawRect(left - 3, top - 3, tile + 5, tile + 5);
        }
        String label = String.format("%s %.0f%%", names.get(predicted), evaluation.confidences()[i] * 100);
        g.drawString(label, left - 20, top + tile + 13);
        if (!correct) {
          g.drawString("true: " + names.get(images.label(i)), left - 20, top + tile + 26);
        }
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(grid, "png", file.toFile());
  }

  private static String withoutExtension(Path file) {
    String name = file.toString();
    return name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
  }
}
