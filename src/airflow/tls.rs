//! TLS for the Airflow client: which certificates are trusted, and what a failed
//! handshake means in words.
//!
//! Trusted are the built-in Mozilla roots, the system's store (read by reqwest through
//! rustls-native-certs, which honours `SSL_CERT_FILE` and `SSL_CERT_DIR`) and the PEM
//! file `ca_file` of the environment. A refused certificate becomes one sentence naming
//! the problem and the config key that helps, never rustls' debug form
//! (`Other(OtherError(CaUsedAsEndEntity))`).

use std::path::Path;

use rustls::{CertificateError, Error as TlsError};

/// Reads `ca_file`: every certificate of a PEM bundle. Err: the sentence after "`ca_file`
/// … ", naming the file and what is wrong with it.
pub(crate) fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&bytes).map_err(|_| {
        format!(
            "{} is not a PEM file of certificates (it should hold `-----BEGIN CERTIFICATE-----` blocks)",
            path.display()
        )
    })?;
    if certs.is_empty() {
        return Err(format!(
            "{} holds no certificate (it should hold `-----BEGIN CERTIFICATE-----` blocks)",
            path.display()
        ));
    }
    Ok(certs)
}

/// The rustls error somewhere in the causes of `err`, if the failure was TLS. The I/O
/// error hyper reports wraps it as its inner error, which `source()` skips, so that is
/// looked into too.
pub(crate) fn find_tls_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a TlsError> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<TlsError>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(tls) = find_tls_error(inner) {
                    return Some(tls);
                }
            }
        }
        next = e.source();
    }
    None
}

/// The problem in words and the fix, for a handshake with `host` that failed with
/// `err`. `section` is where the environment's keys are written (`[airflow]`,
/// `[environments.prod]`).
pub(crate) fn describe(err: &TlsError, host: &str, section: &str) -> (String, String) {
    let trust_fix = format!(
        "if your organisation's CA signed it, set `ca_file` in {section} to that CA's PEM file (or SSL_CERT_FILE for all programs)"
    );
    let server_fix = format!(
        "have the server's certificate renewed or fixed (`insecure_tls = true` in {section} skips every check, for a dev server only)"
    );
    match err {
        TlsError::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => (
                "the server's certificate is not signed by a trusted authority".into(),
                trust_fix,
            ),
            CertificateError::BadSignature => (
                "the server's certificate has a signature that does not match its issuer".into(),
                trust_fix,
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                ("the server's certificate has expired".into(), server_fix)
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => (
                "the server's certificate is not valid yet (or this machine's clock is wrong)"
                    .into(),
                server_fix,
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                let presented = match cert {
                    CertificateError::NotValidForNameContext { presented, .. }
                        if !presented.is_empty() =>
                    {
                        let names: Vec<&str> = presented.iter().map(|n| plain_name(n)).collect();
                        format!(
                            " (it is for {})",
                            crate::model::text::shown(&names.join(", "))
                        )
                    }
                    _ => String::new(),
                };
                (
                    format!(
                        "the server's certificate is not valid for the host name {}{presented}",
                        crate::model::text::shown(host)
                    ),
                    format!("use a host name the certificate is for in `url` of {section}"),
                )
            }
            CertificateError::Revoked => {
                ("the server's certificate has been revoked".into(), server_fix)
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => (
                "the server's certificate is not meant for TLS servers".into(),
                server_fix,
            ),
            CertificateError::Other(other) => {
                let name = format!("{:?}", other.0);
                if name.contains("CaUsedAsEndEntity") {
                    (
                        "the server presents a CA certificate as its own (a self-signed CA certificate cannot identify a server)".into(),
                        format!("give the server a certificate signed by a CA and set `ca_file` in {section} to that CA's PEM file (or `insecure_tls = true`, for a dev server only)"),
                    )
                } else if name.contains("UnknownIssuer") {
                    (
                        "the server's certificate is not signed by a trusted authority".into(),
                        trust_fix,
                    )
                } else {
                    (
                        format!(
                            "the server's certificate was refused ({})",
                            crate::model::text::shown(&name)
                        ),
                        trust_fix,
                    )
                }
            }
            other => (
                format!(
                    "the server's certificate was refused ({})",
                    crate::model::text::shown(&format!("{other:?}"))
                ),
                trust_fix,
            ),
        },
        TlsError::InvalidMessage(_) | TlsError::InappropriateMessage { .. } => (
            "the server does not speak TLS at this address".into(),
            format!("if it serves plain HTTP, use an http:// URL in `url` of {section}"),
        ),
        TlsError::NoCertificatesPresented => (
            "the server presented no certificate".into(),
            server_fix,
        ),
        TlsError::AlertReceived(alert) => (
            format!("the server ended the handshake ({alert:?})"),
            "check that the URL is the api-server's and whether the server requires a client certificate (not supported)".into(),
        ),
        TlsError::PeerIncompatible(_) => (
            "the server supports no TLS version or cipher in common with flowdeck (TLS 1.2 and 1.3)".into(),
            "upgrade the server's TLS settings".into(),
        ),
        other => (
            format!(
                "the TLS handshake failed ({})",
                crate::model::text::shown(&other.to_string())
            ),
            trust_fix,
        ),
    }
}

/// A name of a certificate as webpki lists it (`DnsName("a.example")`,
/// `IpAddress(10.0.0.1)`), without the wrapping.
fn plain_name(name: &str) -> &str {
    name.strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
        .or_else(|| {
            name.strip_prefix("IpAddress(")
                .and_then(|n| n.strip_suffix(')'))
        })
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;

    #[test]
    fn each_problem_in_words_with_the_key_that_helps() {
        let s = "[environments.prod]";
        let cases: Vec<(TlsError, &str, &str)> = vec![
            (
                TlsError::InvalidCertificate(CertificateError::UnknownIssuer),
                "not signed by a trusted authority",
                "`ca_file` in [environments.prod]",
            ),
            (
                TlsError::InvalidCertificate(CertificateError::Expired),
                "has expired",
                "`insecure_tls = true` in [environments.prod]",
            ),
            (
                TlsError::InvalidCertificate(CertificateError::NotValidForNameContext {
                    expected: ServerName::try_from("airflow.example.com")
                        .unwrap()
                        .to_owned(),
                    presented: vec![
                        "DnsName(\"other.example.com\")".into(),
                        "IpAddress(10.0.0.1)".into(),
                    ],
                }),
                "not valid for the host name airflow.example.com (it is for other.example.com, 10.0.0.1)",
                "`url` of [environments.prod]",
            ),
            (
                TlsError::InvalidCertificate(CertificateError::Other(rustls::OtherError(
                    std::sync::Arc::new(std::io::Error::other("CaUsedAsEndEntity")),
                ))),
                "presents a CA certificate as its own",
                "`ca_file` in [environments.prod]",
            ),
            (
                TlsError::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
                "does not speak TLS",
                "http://",
            ),
        ];
        for (err, problem, fix) in cases {
            let (p, f) = describe(&err, "airflow.example.com", s);
            assert!(p.contains(problem), "{p}");
            assert!(f.contains(fix), "{f}");
            assert!(!p.contains("Other(") && !p.contains("OtherError"), "{p}");
        }
    }

    #[test]
    fn a_ca_file_must_hold_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let missing = read_ca_file(&dir.path().join("none.pem")).unwrap_err();
        assert!(missing.contains("cannot be read"), "{missing}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "just text\n").unwrap();
        let err = read_ca_file(&empty).unwrap_err();
        assert!(err.contains("BEGIN CERTIFICATE"), "{err}");
    }
}
