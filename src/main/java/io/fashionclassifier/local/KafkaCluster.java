package io.fashionclassifier.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * A real multi-node Kafka cluster on loopback ports: {@code n} {@link KafkaBroker} processes, each a combined
 * broker and KRaft controller, all of them voters. Topics default to replication factor {@code n} and
 * {@code min.insync.replicas} {@code n - 1} (3 and 2 for three nodes), so the cluster keeps accepting
 * {@code acks=all} writes and transactions with one node down, as a production cluster does.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.start(3)) {
 *   props.put("bootstrap.servers", cluster.bootstrapServers());
 *   cluster.node(2).kill();
 * }
 * }</pre>
 */
public final class KafkaCluster implements AutoCloseable {

  private final List<KafkaBroker> nodes;

  private KafkaCluster(List<KafkaBroker> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Starts {@code size} nodes in parallel and returns once every node sees all of them.
   *
   * @throws IllegalStateException if a node does not come up (its log is quoted)
   */
  public static KafkaCluster start(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("a cluster needs at least one node, not " + size);
    }
    int[] ports = LoopbackPorts.free(2 * size);
    StringJoiner voters = new StringJoiner(",");
    for (int i = 0; i < size; i++) {
      voters.add((i + 1) + "@127.0.0.1:" + ports[2 * i + 1]);
    }
    String clusterId = Uuid.randomUuid().toString();
    List<KafkaBroker> nodes = new ArrayList<>(size);
    try {
      for (int i = 0; i < size; i++) {
        nodes.add(KafkaBroker.prepare(i + 1, ports[2 * i], ports[2 * i + 1], 0, voters.toString(), size,
            clusterId, Map.of(), null));
      }
      // the controllers need a quorum before any of them serves, so they must start together
      nodes.forEach(KafkaBroker::launch);
      CompletableFuture.allOf(nodes.stream()
          .map(node -> CompletableFuture.runAsync(node::awaitReady))
          .toArray(CompletableFuture[]::new)).join();
      return new KafkaCluster(nodes);
    } catch (RuntimeException e) {
      nodes.forEach(KafkaBroker::destroyAndDelete);
      throw e.getCause() instanceof IllegalStateException cause ? cause : e;
    }
  }

  /** Every node's PLAINTEXT listener, comma-separated, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return nodes.stream().map(KafkaBroker::bootstrapServers).collect(Collectors.joining(","));
  }

  /** The node with {@code node.id} {@code id} (1 to size). */
  public KafkaBroker node(int id) {
    return nodes.get(id - 1);
  }

  public int size() {
    return nodes.size();
  }

  /** Stops every node and deletes their directories. */
  @Override
  public void close() {
    CompletableFuture.allOf(nodes.stream()
        .map(node -> CompletableFuture.runAsync(node::close))
        .toArray(CompletableFuture[]::new)).join();
  }
}
