package io.fashionclassifier.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaBrokerTest {

  @Test
  void brokerRoundTripsARecordAndLeavesNothingBehindWhenClosed() throws Exception {
    KafkaBroker broker = KafkaBroker.start();
    String bootstrap = broker.bootstrapServers();
    try {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
        admin.createTopics(List.of(new NewTopic("round-trip", 1, (short) 1))).all().get();
      }
      Map<String, Object> producerConfig =
          Map.of("bootstrap.servers", bootstrap, "transactional.id", "broker-test");
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
        // a transaction proves the single-node transaction log settings
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("round-trip", "k", "v"));
        producer.commitTransaction();
      }
      Map<String, Object> consumerConfig =
          Map.of("bootstrap.servers", bootstrap, "group.id", "broker-test", "auto.offset.reset", "earliest",
              "isolation.level", "read_committed");
      try (KafkaConsumer<String, String> consumer =
          new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(Set.of("round-trip"));
        ConsumerRecords<String, String> records = ConsumerRecords.empty();
        for (int i = 0; i < 50 && records.isEmpty(); i++) {
          records = consumer.poll(Duration.ofMillis(200));
        }
        assertThat(records).extracting(r -> r.key() + "=" + r.value()).containsExactly("k=v");
      }
      assertThat(broker.isAlive()).isTrue();
    } finally {
      broker.close();
    }
    assertThat(broker.isAlive()).isFalse();
    assertThat(broker.logFile()).doesNotExist();
    String[] hostPort = bootstrap.split(":");
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 500);
      throw new AssertionError("the broker port is still open");
    } catch (java.io.IOException expected) {
      // connection refused: nothing listens any more
    }
  }
}
