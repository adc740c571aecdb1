package io.fashionclassifier.cli;

import io.fashionclassifier.dataset.FashionMnist;
import io.fashionclassifier.learning.DecisionLog;
import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.ClassifiedItem;
import io.fashionclassifier.schema.ItemAudit;
import io.fashionclassifier.schema.ModelDecision;
import io.fashionclassifier.schema.ModelHealth;
import io.fashionclassifier.schema.ReviewRequest;
import io.fashionclassifier.streaming.ClassifierConfig;
import io.fashionclassifier.watch.TopicWatcher;
import io.fashionclassifier.watch.WatchBoard;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A live, refreshing view of the classifier's output topics. */
@Command(name = "watch", header = "Follow the verdicts and accuracy figures as they arrive.", mixinStandardHelpOptions = true,
    description = "Follow classified-items and accuracy-aggregates: latest items, per-class and per-scanner accuracy, active and shadow model versions side by side, and the latest decisions of the learning loop.")
final class WatchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(names = "--json", description = "Print every record as one JSON line instead of the refreshing view.")
  boolean json;

  @Option(names = "--from-end", description = "Show only what arrives from now on (default: from the beginning).")
  boolean fromEnd;

  @Option(names = "--refresh", defaultValue = "1s", converter = DurationConverter.class,
      description = "How often the view is redrawn (default ${DEFAULT-VALUE}).")
  Duration refresh;

  @Option(names = "--duration", converter = DurationConverter.class,
      description = "Stop after this long, e.g. 30s (default: until Ctrl-C).")
  Duration duration;

  @Option(names = "--latest", defaultValue = "10", description = "How many of the newest items to show (default ${DEFAULT-VALUE}).")
  int latest;

  @Option(names = "--decisions-topic", defaultValue = DecisionLog.DEFAULT_TOPIC, paramLabel = "TOPIC",
      description = "Topic of the learning loop's decisions (candidate built, shadowed, promoted, retired); while it"
          + " does not exist nothing is shown and it is looked for again (default ${DEFAULT-VALUE}).")
  String decisionsTopic;

  @Override
  public Integer call() {
    ClassifierConfig config = cluster.load(Map.of());
    PrintWriter out = spec.commandLine().getOut();
    boolean terminal = System.console() != null && !json;
    WatchBoard board = new WatchBoard(latest, FashionMnist.CLASS_NAMES::get);
    long stopAt = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
    try (StopSignal stop = StopSignal.install("watch");
        TopicWatcher watcher = new TopicWatcher(config.clientConfig(), config.serdeConfig(),
        new TopicWatcher.Topics(config.classifiedTopic(), config.aggregatesTopic(), null, config.healthTopic(),
            config.reviewTopic(), config.auditsTopic(), decisionsTopic), !fromEnd)) {
      watcher.run(new TopicWatcher.Listener() {
        @Override
        public void item(ConsumerRecord<String, byte[]> raw, ClassifiedItem item) {
          board.accept(item);
          if (json) {
            out.println(jsonLine(raw, item.toString()));
          }
        }

        @Override
        public void aggregate(ConsumerRecord<String, byte[]> raw, AccuracyAggregate aggregate) {
          board.accept(aggregate);
          if (json) {
            out.println(jsonLine(raw, aggregate.toString()));
          }
        }

        @Override
        public void health(ConsumerRecord<String, byte[]> raw, ModelHealth health) {
          board.accept(health);
          if (json) {
            out.println(jsonLine(raw, health.toString()));
          }
        }

        @Override
        public void reviewRequest(ConsumerRecord<String, byte[]> raw, ReviewRequest request) {
          // the pixels are the page's business; the view only counts requests
          board.accept(request);
        }

        @Override
        public void audit(ConsumerRecord<String, byte[]> raw, ItemAudit audit) {
          board.accept(audit);
          if (json) {
            out.println(jsonLine(raw, audit.toString()));
          }
        }

        @Override
        public void decision(ConsumerRecord<String, byte[]> raw, ModelDecision decision) {
          board.accept(decision);
          if (json) {
            out.println(jsonLine(raw, decision.toString()));
          }
        }
      }, () -> stop.requested() || System.nanoTime() >= stopAt, refresh, () -> {
        if (!json) {
          // a terminal gets the view redrawn in place; a pipe or file gets successive snapshots
          out.print(terminal ? "\033[H\033[2J" + board.render(Instant.now()) : board.render(Instant.now()) + "\n");
        }
        out.flush();
      });
      return 0;
    } catch (WakeupException e) {
      return 0;
    } catch (KafkaException e) {
      throw new UserError("cannot read " + config.classifiedTopic() + " / " + config.aggregatesTopic() + " on "
          + config.bootstrapServers() + ": " + e.getMessage() + " (check --bootstrap-servers and that `stream` has "
          + "created the topics)", e);
    }
  }

  private static String jsonLine(ConsumerRecord<String, byte[]> raw, String avroJson) {
    // Avro's toString() of a specific record is its JSON form
    return "{\"topic\":\"" + raw.topic() + "\",\"partition\":" + raw.partition() + ",\"offset\":" + raw.offset()
        + ",\"value\":" + avroJson + "}";
  }
}
