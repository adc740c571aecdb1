package io.fashionclassifier.streaming;

import io.fashionclassifier.schema.AccuracyAggregate;
import io.fashionclassifier.schema.AggregateScope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which scanner and warehouse ids are counted under their own key: the first {@code maxKeys} distinct ids of each
 * scope to reach this processor, for good; the partial figures of any other id are re-keyed to
 * {@code <scope>:(other)}.
 *
 * <p>The rule holds for the whole application, not per task or per instance, because of where it runs: every
 * SCANNER and WAREHOUSE partial passes through one single-partition repartition topic
 * ({@link ClassifierTopology#ADMISSION_TOPIC}), so exactly one task decides (the one that reads that partition,
 * which is also the task of input partition 0), in the order of that one log, and it remembers its decisions in a
 * changelogged store ({@link ClassifierTopology#ADMITTED_STORE}). A restart, a
 * rebalance, a replaced stream thread or a new instance on an empty disk restores the same admitted set and goes
 * on from it; replaying the log decides the same way. The store holds at most {@code maxKeys} ids per scope, and
 * so do the aggregation's stores and topic, plus the one {@code (other)} key.
 */
final class AdmittedIds implements Processor<String, AccuracyAggregate, String, AccuracyAggregate> {

  /** The scopes whose ids come from producers and so are bounded. */
  static final List<AggregateScope> BOUNDED = List.of(AggregateScope.SCANNER, AggregateScope.WAREHOUSE);
  /** Where a scope's count of admitted ids is kept: no id's key can look like it, since '(' is escaped. */
  private static final String COUNT_KEY = "(admitted)";

  private static final Logger log = LoggerFactory.getLogger(AdmittedIds.class);

  private final String storeName;
  private final int maxKeys;
  private final Map<AggregateScope, Counter> overflow = new EnumMap<>(AggregateScope.class);
  private ProcessorContext<String, AccuracyAggregate> context;
  private KeyValueStore<String, Long> admitted;

  /**
   * @param storeName the store of admitted ids: {@code <scope>:<escaped id>} to the id's admission number
   * @param maxKeys distinct ids per scope counted under their own key
   * @param registry where the overflow counters go
   */
  AdmittedIds(String storeName, int maxKeys, MeterRegistry registry) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("max keys must be at least 1, not " + maxKeys);
    }
    this.storeName = storeName;
    this.maxKeys = maxKeys;
    for (AggregateScope scope : BOUNDED) {
      overflow.put(scope, Counter.builder("fashion.aggregates.overflow")
          .description("Items counted under <scope>:" + AccuracyAggregates.OVERFLOW_KEY + " because their scope "
              + "had reached its bound of distinct ids")
          .tag("scope", scope.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
  }

  /** Whether a partial keyed {@code scopeKey} ({@code <scope>:<key>}) must pass through admission. */
  static boolean bounded(String scopeKey) {
    return BOUNDED.stream().anyMatch(scope -> scopeKey.startsWith(scope.name() + ":"));
  }

  @Override
  public void init(ProcessorContext<String, AccuracyAggregate> context) {
    this.context = context;
    this.admitted = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, AccuracyAggregate> partial) {
    String scopeKey = partial.key();
    String admittedKey = admit(admitted, scopeKey, maxKeys);
    if (admittedKey.equals(scopeKey)) {
      context.forward(partial);
      return;
    }
    AggregateScope scope = AggregateScope.valueOf(scopeKey.substring(0, scopeKey.indexOf(':')));
    Counter counter = overflow.get(scope);
    if (counter.count() == 0) {
      log.warn("more than {} distinct {} ids: counting later ones under {}:{}", maxKeys, scope, scope,
          AccuracyAggregates.OVERFLOW_KEY);
    }
    counter.increment(partial.value().getSeen());
    context.forward(partial.withKey(admittedKey));
  }

  /**
   * The rule itself, for any processor that bounds the ids it keys by (the model-health figures decide with their
   * own store, in their own single task): {@code scopeKey} ({@code <scope>:<escaped id>}) when it is admitted or
   * can still be, recording the admission in {@code admitted}; {@code <scope>:(other)} otherwise.
   */
  static String admit(KeyValueStore<String, Long> admitted, String scopeKey, int maxKeys) {
    if (admitted.get(scopeKey) != null) {
      return scopeKey;
    }
    String scope = scopeKey.substring(0, scopeKey.indexOf(':'));
    String countKey = scope + ":" + COUNT_KEY;
    Long count = admitted.get(countKey);
    long admittedSoFar = count == null ? 0 : count;
    if (admittedSoFar < maxKeys) {
      admitted.put(scopeKey, admittedSoFar + 1);
      admitted.put(countKey, admittedSoFar + 1);
      return scopeKey;
    }
    return scope + ":" + AccuracyAggregates.OVERFLOW_KEY;
  }
}
