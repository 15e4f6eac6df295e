package io.shardcache.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;

/** Certificates from a PEM file, as the trust of a TLS client. */
public final class TrustedCertificates {

    private TrustedCertificates() {
    }

    /**
     * A trust manager factory that trusts exactly the certificates in {@code pemFile}.
     *
     * @throws IllegalArgumentException naming the file, if it cannot be read or holds no certificate
     */
    public static TrustManagerFactory load(Path pemFile) {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pemFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read certificates from " + pemFile + ": " + e.getMessage(), e);
        }
        if (certificates.isEmpty())
            throw new IllegalArgumentException(pemFile + " holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)");
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : certificates)
                store.setCertificateEntry("trusted-" + i++, c);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a trust store of " + pemFile, e);
        }
    }
}
