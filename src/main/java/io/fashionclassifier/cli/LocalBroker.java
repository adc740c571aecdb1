package io.fashionclassifier.cli;

/**
 * Whether this distribution carries the Kafka broker that {@code demo} and {@code stack} run in-process: the jar
 * does, the container image leaves it out (it serves a cluster, and the broker would double its size and its
 * dependencies to patch).
 */
final class LocalBroker {

  private LocalBroker() {}

  static void require(String command) {
    if (LocalBroker.class.getClassLoader().getResource("kafka/Kafka.class") == null) {
      throw new UserError("'" + command + "' runs a Kafka broker in-process, which this distribution leaves out "
          + "(the container image does): run it from the jar (java -jar fashion-classifier.jar " + command
          + "), or point 'stream' and 'scan' at a cluster with --bootstrap-servers");
    }
  }
}
