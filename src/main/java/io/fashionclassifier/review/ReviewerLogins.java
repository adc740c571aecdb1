package io.fashionclassifier.review;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Who may review: {@code user:password} lines, the password either as it is or as a PBKDF2 hash
 * ({@code pbkdf2-sha256:ITERATIONS:SALT:HASH}, base64; {@link #hash} makes one). Blank lines and lines starting
 * with {@code #} are ignored.
 */
public final class ReviewerLogins {

  static final String PBKDF2 = "pbkdf2-sha256";
  private static final int ITERATIONS = 210_000;
  private static final int SALT_BYTES = 16;
  private static final int HASH_BITS = 256;

  private final Map<String, String> secrets;
  /** Hashes of logins already checked, so that an HTTP client's basic auth does not cost a PBKDF2 run a request. */
  private final Map<String, String> verified = new ConcurrentHashMap<>();

  private ReviewerLogins(Map<String, String> secrets) {
    this.secrets = secrets;
  }

  /** Parses the lines; a bad line is an IllegalArgumentException naming it (never echoing a password). */
  public static ReviewerLogins parse(List<String> lines, String origin) {
    Map<String, String> secrets = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String where = origin + " line " + (i + 1);
      if (colon <= 0 || colon == line.length() - 1) {
        throw new IllegalArgumentException(where + " is not user:password");
      }
      String user = line.substring(0, colon);
      String secret = line.substring(colon + 1);
      if (!user.matches("[A-Za-z0-9._@-]+")) {
        throw new IllegalArgumentException(where + ": the user name may hold only letters, digits and . _ @ -");
      }
      if (secret.startsWith(PBKDF2 + ":")) {
        checkHashFormat(secret, where);
      }
      if (secrets.put(user, secret) != null) {
        throw new IllegalArgumentException(where + ": user " + user + " is listed twice");
      }
    }
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException(origin + " lists no user:password line");
    }
    return new ReviewerLogins(secrets);
  }

  public static ReviewerLogins read(Path file) {
    try {
      return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public static ReviewerLogins of(Map<String, String> passwords) {
    List<String> lines = passwords.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).toList();
    return parse(lines, "the given logins");
  }

  /** The user, when the password is theirs. */
  public Optional<String> check(String user, String password) {
    String secret = secrets.get(user);
    if (secret == null) {
      return Optional.empty();
    }
    String key = fingerprint(user + '\0' + password);
    if (secret.equals(verified.get(key))) {
      return Optional.of(user);
    }
    boolean ok = secret.startsWith(PBKDF2 + ":") ? matchesHash(secret, password)
        : MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
    if (ok) {
      verified.put(key, secret);
      return Optional.of(user);
    }
    return Optional.empty();
  }

  /** A line's secret for {@code password}, to put after {@code user:} in the logins file. */
  public static String hash(char[] password) {
    byte[] salt = new byte[SALT_BYTES];
    new SecureRandom().nextBytes(salt);
    Base64.Encoder base64 = Base64.getEncoder();
    return PBKDF2 + ":" + ITERATIONS + ":" + base64.encodeToString(salt) + ":"
        + base64.encodeToString(derive(password, salt, ITERATIONS, HASH_BITS));
  }

  private static boolean matchesHash(String secret, String password) {
    String[] parts = secret.split(":");
    byte[] salt = Base64.getDecoder().decode(parts[2]);
    byte[] expected = Base64.getDecoder().decode(parts[3]);
    byte[] actual = derive(password.toCharArray(), salt, Integer.parseInt(parts[1]), expected.length * 8);
    return MessageDigest.isEqual(expected, actual);
  }

  private static void checkHashFormat(String secret, String where) {
    String[] parts = secret.split(":");
    try {
      if (parts.length != 4 || Integer.parseInt(parts[1]) < 1 || Base64.getDecoder().decode(parts[2]).length == 0
          || Base64.getDecoder().decode(parts[3]).length == 0) {
        throw new IllegalArgumentException("bad hash");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": a hashed password is " + PBKDF2
          + ":ITERATIONS:SALT:HASH (make one with `review --hash-password`)", e);
    }
  }

  private static byte[] derive(char[] password, byte[] salt, int iterations, int bits) {
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(new PBEKeySpec(password, salt, iterations, bits)).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JVM", e);
    }
  }

  private static String fingerprint(String text) {
    try {
      return Base64.getEncoder().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
