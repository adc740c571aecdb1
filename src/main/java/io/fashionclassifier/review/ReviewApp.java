package io.fashionclassifier.review;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The review service put together: requests read into the shared queue, the web page, the audit writer, and the
 * learning loop's latest decisions shown on the page.
 */
public final class ReviewApp implements AutoCloseable {

  /**
   * @param requestsTopic the review requests to answer
   * @param auditsTopic where the audits go
   * @param group the consumer group shared by all review servers of one queue
   * @param lease how long an item shown to one reviewer is kept from the others
   * @param decisionsTopic the learning loop's decisions, shown on the page once the topic exists
   */
  public record Settings(String requestsTopic, String auditsTopic, String group, Duration lease,
      String decisionsTopic, ReviewServer.Settings server) {}

  private static final Duration AUDIT_TIMEOUT = Duration.ofSeconds(30);

  private final AuditPublisher publisher;
  private final RequestFeed feed;
  private final DecisionFeed decisions;
  private final ReviewServer server;

  private ReviewApp(AuditPublisher publisher, RequestFeed feed, DecisionFeed decisions, ReviewServer server) {
    this.publisher = publisher;
    this.feed = feed;
    this.decisions = decisions;
    this.server = server;
  }

  /** Starts serving; the Kafka and registry settings are those of any plain client of the cluster. */
  public static ReviewApp start(Settings settings, Map<String, Object> clientConfig, Map<String, Object> serdeConfig,
      ReviewerLogins logins, List<String> classNames) throws IOException {
    Clock clock = Clock.systemUTC();
    AuditPublisher publisher = new AuditPublisher(clientConfig, serdeConfig, settings.auditsTopic(), AUDIT_TIMEOUT);
    RequestFeed feed = null;
    DecisionFeed decisions = null;
    try {
      ReviewQueue queue = new ReviewQueue(publisher, clock, settings.lease());
      feed = new RequestFeed(clientConfig, serdeConfig, settings.requestsTopic(), settings.group(), queue);
      decisions = new DecisionFeed(clientConfig, serdeConfig, settings.decisionsTopic());
      ReviewServer server = ReviewServer.start(settings.server(), queue, feed::unread, decisions::newest, logins,
          classNames, clock);
      feed.start();
      decisions.start();
      return new ReviewApp(publisher, feed, decisions, server);
    } catch (IOException | RuntimeException e) {
      if (decisions != null) {
        decisions.close();
      }
      if (feed != null) {
        feed.close();
      }
      publisher.close();
      throw e;
    }
  }

  public URI uri() {
    return server.uri();
  }

  @Override
  public void close() {
    server.close();
    decisions.close();
    feed.close();
    publisher.close();
  }
}
