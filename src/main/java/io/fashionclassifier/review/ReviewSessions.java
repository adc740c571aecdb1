package io.fashionclassifier.review;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Logged-in browsers: a random token (the cookie) per login, forgotten after a while unused or at logout. */
final class ReviewSessions {

  static final Duration IDLE = Duration.ofHours(12);

  private record Session(String reviewer, Instant lastUsed) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Clock clock;

  ReviewSessions(Clock clock) {
    this.clock = clock;
  }

  String open(String reviewer) {
    byte[] token = new byte[32];
    random.nextBytes(token);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    Instant now = clock.instant();
    sessions.values().removeIf(s -> s.lastUsed().plus(IDLE).isBefore(now));
    sessions.put(id, new Session(reviewer, now));
    return id;
  }

  Optional<String> reviewer(String token) {
    Session session = token == null ? null : sessions.get(token);
    Instant now = clock.instant();
    if (session == null || session.lastUsed().plus(IDLE).isBefore(now)) {
      return Optional.empty();
    }
    sessions.put(token, new Session(session.reviewer(), now));
    return Optional.of(session.reviewer());
  }

  void close(String token) {
    if (token != null) {
      sessions.remove(token);
    }
  }
}
