package io.fashionclassifier.serde;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.apache.kafka.common.config.ConfigException;

/**
 * One registry URL, without user info (what may be logged and what requests go to), and the Authorization header
 * that belongs to it, or null.
 */
record RegistryEndpoint(URI base, String authorization) {

  /**
   * The endpoints of {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL}: with
   * {@value AvroSerdeConfig#BASIC_AUTH_CREDENTIALS_SOURCE}=URL each URL's user info goes to that URL only,
   * USER_INFO credentials go to every URL, and so does a bearer token.
   */
  static List<RegistryEndpoint> of(AvroSerdeConfig config) {
    List<URI> uris = config.registryUrls().stream().map(RegistryUrls::parse).toList();
    String shared = null;
    if (config.credentialsSource() == AvroSerdeConfig.CredentialsSource.USER_INFO) {
      shared = config.userInfo();
      if (shared == null) {
        throw new ConfigException(AvroSerdeConfig.USER_INFO + " (or " + AvroSerdeConfig.USER_INFO_FILE
            + ") must give user:password when " + AvroSerdeConfig.BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO");
      }
    }
    String bearer = config.bearerToken();
    if (bearer != null) {
      if (shared != null || uris.stream().anyMatch(uri -> uri.getUserInfo() != null)) {
        throw new ConfigException(AvroSerdeConfig.BEARER_AUTH_TOKEN + " and basic-auth credentials are both set: "
            + "the registry takes one kind; remove the user info or the token");
      }
      return uris.stream().map(uri -> new RegistryEndpoint(RegistryUrls.withoutUserInfo(uri), "Bearer " + bearer))
          .toList();
    }
    String sharedUserInfo = shared;
    return uris.stream().map(uri -> {
      String userInfo = sharedUserInfo != null ? sharedUserInfo : uri.getUserInfo();
      String authorization = userInfo == null || userInfo.isEmpty() ? null
          : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
      return new RegistryEndpoint(RegistryUrls.withoutUserInfo(uri), authorization);
    }).toList();
  }

  boolean isHttps() {
    return "https".equalsIgnoreCase(base.getScheme());
  }

  /** Whether credentials would cross the network readable by anyone on the way. */
  boolean sendsCredentialsInClear() {
    return authorization != null && "http".equalsIgnoreCase(base.getScheme());
  }

  /** The URL of {@code path} (which starts with '/') under this endpoint's base. */
  URI resolve(String path) {
    String text = base.toString();
    return URI.create((text.endsWith("/") ? text.substring(0, text.length() - 1) : text) + path);
  }

  /** Never the header's value: it is the password, merely encoded. */
  @Override
  public String toString() {
    return base.toString();
  }
}
