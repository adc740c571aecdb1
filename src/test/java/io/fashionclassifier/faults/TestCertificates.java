package io.fashionclassifier.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed TLS certificate for 127.0.0.1, made in the test with the JDK's {@code keytool}: a PKCS12 keystore
 * holding the key and certificate (for the server) and a PKCS12 truststore holding only the certificate (for
 * clients). Two calls give two unrelated certificates, so one's truststore does not trust the other's server.
 */
public record TestCertificates(Path keystore, Path truststore, String password) {

  public static TestCertificates selfSigned(Path directory, String name) {
    String password = name + "-store-secret";
    Path keystore = directory.resolve(name + "-keystore.p12");
    Path certificate = directory.resolve(name + ".crt");
    Path truststore = directory.resolve(name + "-truststore.p12");
    keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=127.0.0.1, OU=" + name + ", O=fashion-classifier tests", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password, "-keypass", password);
    keytool("-exportcert", "-alias", name, "-keystore", keystore.toString(), "-storepass", password,
        "-file", certificate.toString());
    keytool("-importcert", "-noprompt", "-alias", name, "-file", certificate.toString(),
        "-storetype", "PKCS12", "-keystore", truststore.toString(), "-storepass", password);
    return new TestCertificates(keystore, truststore, password);
  }

  /** The certificate as a PEM file (what cert-manager's and Strimzi's {@code ca.crt} are), written beside it. */
  public Path pemCertificate() {
    String name = keystore.getFileName().toString().replace("-keystore.p12", "");
    Path der = keystore.resolveSibling(name + ".crt");
    Path pem = keystore.resolveSibling(name + ".pem");
    try {
      String base64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
          .encodeToString(java.nio.file.Files.readAllBytes(der));
      java.nio.file.Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return pem;
  }

  private static void keytool(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run keytool: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
