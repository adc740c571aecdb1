package io.fashionclassifier.serde;

import java.net.URI;
import java.net.URISyntaxException;
import org.apache.kafka.common.config.ConfigException;

/** Parsing registry URLs without ever quoting the password a URL may carry ({@code http://user:password@host}). */
final class RegistryUrls {

  private RegistryUrls() {}

  /** The URL as given, with whatever stands between "://" (or the start) and the last '@' replaced by "***". */
  static String redact(String url) {
    int at = url.lastIndexOf('@');
    if (at < 0) {
      return url;
    }
    int scheme = url.indexOf("://");
    int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
    return url.substring(0, start) + "***" + url.substring(at);
  }

  /** An http(s) URL with a host; a {@link ConfigException} that quotes only the redacted URL otherwise. */
  static URI parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      // The parser's own message quotes the whole input, password included: report only the reason and where.
      throw new ConfigException(AvroSerdeConfig.SCHEMA_REGISTRY_URL, redact(url),
          "not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")");
    }
    if (uri.getScheme() == null || uri.getHost() == null
        || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))) {
      throw new ConfigException(AvroSerdeConfig.SCHEMA_REGISTRY_URL, redact(url), "not an http(s) URL with a host");
    }
    return uri;
  }

  /** The URL without its user-info part: what may be logged and what requests go to. */
  static URI withoutUserInfo(URI uri) {
    try {
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(), null);
    } catch (URISyntaxException e) {
      throw new ConfigException(AvroSerdeConfig.SCHEMA_REGISTRY_URL, redact(uri.toString()), e.getReason());
    }
  }
}
