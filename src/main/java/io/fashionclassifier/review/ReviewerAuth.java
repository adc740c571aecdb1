package io.fashionclassifier.review;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Lets a request through only with a login: the session cookie of the login form (browsers), or HTTP basic auth
 * (scripts). The reviewer's name is put on the exchange for the handlers.
 */
final class ReviewerAuth extends Filter {

  static final String REVIEWER = "reviewer";
  static final String COOKIE = "review_session";

  private final ReviewerLogins logins;
  private final ReviewSessions sessions;

  ReviewerAuth(ReviewerLogins logins, ReviewSessions sessions) {
    this.logins = logins;
    this.sessions = sessions;
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    Optional<String> reviewer = sessions.reviewer(cookie(exchange)).or(() -> basic(exchange));
    if (reviewer.isPresent()) {
      exchange.setAttribute(REVIEWER, reviewer.get());
      chain.doFilter(exchange);
      return;
    }
    try {
      exchange.getRequestBody().readAllBytes();
      if ("GET".equals(exchange.getRequestMethod()) && exchange.getRequestURI().getPath().equals("/")) {
        exchange.getResponseHeaders().set("Location", "/login");
        exchange.sendResponseHeaders(303, -1);
      } else {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"review\", charset=\"UTF-8\"");
        exchange.sendResponseHeaders(401, -1);
      }
    } finally {
      exchange.close();
    }
  }

  @Override
  public String description() {
    return "review login";
  }

  static String cookie(HttpExchange exchange) {
    List<String> headers = exchange.getRequestHeaders().get("Cookie");
    if (headers == null) {
      return null;
    }
    for (String header : headers) {
      for (String part : header.split(";")) {
        String pair = part.strip();
        if (pair.startsWith(COOKIE + "=")) {
          return pair.substring(COOKIE.length() + 1);
        }
      }
    }
    return null;
  }

  private Optional<String> basic(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    return colon < 0 ? Optional.empty() : logins.check(decoded.substring(0, colon), decoded.substring(colon + 1));
  }
}
