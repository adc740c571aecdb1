package io.fashionclassifier.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The benchmark's PNG plots: throughput against batch size, latency CDFs, memory over a soak. */
final class BenchPlots {

  static final String THROUGHPUT_FILE = "throughput-vs-batch-size.png";
  static final String LATENCY_FILE = "latency-cdf.png";
  static final String MEMORY_FILE = "memory-soak.png";

  static {
    // plots are written on servers without a display
    System.setProperty("java.awt.headless", "true");
  }

  private BenchPlots() {}

  static List<Path> write(BenchResult result, Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    files.add(throughput(result, dir.resolve(THROUGHPUT_FILE)));
    if (!result.latency().isEmpty()) {
      files.add(latency(result, dir.resolve(LATENCY_FILE)));
    }
    if (result.soak() != null) {
      files.add(memory(result.soak(), dir.resolve(MEMORY_FILE)));
    }
    return files;
  }

  private static Path throughput(BenchResult result, Path file) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(560)
        .title("Throughput by batch size (model " + result.modelVersion() + ")")
        .xAxisTitle("batch size").yAxisTitle("images or items per second").build();
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    chart.getStyler().setDecimalPattern("#,###");
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    for (InferenceSweep.Point point : result.inference()) {
      add(x, y, point.batchSize(), point.imagesPerSecond());
    }
    addSeries(chart, "model alone", x, y);
    for (boolean exactlyOnce : List.of(true, false)) {
      List<Double> ex = new ArrayList<>();
      List<Double> ey = new ArrayList<>();
      for (PipelineRun.Result run : result.endToEnd()) {
        if (run.name().endsWith(exactlyOnce ? "-eos" : "-alos")) {
          add(ex, ey, Integer.parseInt(run.settings().get(Bench.BATCH_SIZE_KEY)), run.itemsPerSecond());
        }
      }
      addSeries(chart, exactlyOnce ? "end to end, exactly-once" : "end to end, at-least-once", ex, ey);
    }
    if (result.passThrough() != null && result.passThrough().recordsPerSecond() > 0 && x.size() > 1) {
      double rate = result.passThrough().recordsPerSecond();
      XYSeries series = chart.addSeries("Kafka Streams pass-through", List.of(x.get(0), x.get(x.size() - 1)),
          List.of(rate, rate));
      series.setMarker(SeriesMarkers.NONE);
    }
    return save(chart, file);
  }

  private static Path latency(BenchResult result, Path file) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(560)
        .title(String.format(Locale.ROOT, "Latency, capture to visible for read_committed (maximum %,.0f items/s)",
            result.maxItemsPerSecond()))
        .xAxisTitle("latency (ms)").yAxisTitle("percentile").build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    chart.getStyler().setDecimalPattern("#,###.#");
    for (PipelineRun.Result run : result.latency()) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (double[] point : run.latencyCdf()) {
        add(x, y, point[0], point[1]);
      }
      addSeries(chart, String.format(Locale.ROOT, "%,.0f/s", run.ratePerSecond()), x, y);
    }
    return save(chart, file);
  }

  private static Path memory(MemorySoak.Result soak, Path file) throws IOException {
    XYChart rss = new XYChartBuilder().width(560).height(400).title("Memory of the process")
        .xAxisTitle("images classified").yAxisTitle("MB").build();
    XYChart arrays = new XYChartBuilder().width(560).height(400).title("Live NDArrays")
        .xAxisTitle("images classified").yAxisTitle("count").build();
    List<Double> x = new ArrayList<>();
    List<Double> megabytes = new ArrayList<>();
    List<Double> heap = new ArrayList<>();
    List<Double> counts = new ArrayList<>();
    for (MemorySoak.Sample sample : soak.samples()) {
      x.add((double) sample.records());
      megabytes.add(sample.rssBytes() / 1e6);
      heap.add(sample.heapCommittedBytes() / 1e6);
      counts.add((double) sample.ndArrays());
    }
    for (XYChart chart : List.of(rss, arrays)) {
      chart.getStyler().setDecimalPattern("#,###");
    }
    rss.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    arrays.getStyler().setLegendVisible(false);
    addSeries(rss, "resident set size", x, megabytes);
    addSeries(rss, "of which at most: JVM heap committed", x, heap);
    addSeries(arrays, "ndarrays", x, counts);
    BitmapEncoder.saveBitmap(List.of(rss, arrays), 1, 2, withoutExtension(file), BitmapEncoder.BitmapFormat.PNG);
    return file;
  }

  /** Log axes take positive values only: an unmeasured (0) point is left out. */
  private static void add(List<Double> x, List<Double> y, double xValue, double yValue) {
    if (xValue > 0 && yValue > 0 && !Double.isNaN(yValue)) {
      x.add(xValue);
      y.add(yValue);
    }
  }

  private static void addSeries(XYChart chart, String name, List<Double> x, List<Double> y) {
    if (!x.isEmpty()) {
      chart.addSeries(name, x, y);
    }
  }

  private static Path save(XYChart chart, Path file) throws IOException {
    BitmapEncoder.saveBitmap(chart, withoutExtension(file), BitmapEncoder.BitmapFormat.PNG);
    return file;
  }

  private static String withoutExtension(Path file) {
    String name = file.toString();
    return name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
  }
}
