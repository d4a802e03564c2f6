//! Verification of ACS3-HMAC-SHA256 (signature V3) requests.
//!
//! The canonical request is rebuilt from what arrived: the method, the path
//! exactly as it was sent, the canonical query computed from the decoded
//! query pairs (with `alibabacloud_core::sign::canonical_query`), and the
//! headers the client listed in `SignedHeaders`, in its order. Clients sign
//! different header sets (ours: `host`, `content-type`, `x-acs-*`; the
//! official SDKs: every header they send), so the list in the request is
//! authoritative, with a minimum the emulator insists on.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use alibabacloud_core::sign::{ALGORITHM, CONTENT_SHA256_HEADER, canonical_query, content_sha256};
use ring::hmac;

use crate::clock::parse_iso_seconds;
use crate::error::ApiError;

/// An access key the emulator accepts.
#[derive(Clone)]
pub(crate) struct AccessKey {
    pub id: String,
    pub secret: String,
    pub security_token: Option<String>,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &"** redacted **")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

/// Nonces seen within the replay window.
#[derive(Debug, Default)]
pub(crate) struct NonceCache {
    seen: HashMap<String, SystemTime>,
    purged_at: Option<SystemTime>,
}

/// Most nonces remembered at once; beyond that the oldest half is dropped.
const MAX_NONCES: usize = 200_000;

impl NonceCache {
    /// Records `nonce`; `false` when it was already used within `window`.
    fn insert(&mut self, nonce: &str, now: SystemTime, window: Duration) -> bool {
        let purge_due = self
            .purged_at
            .is_none_or(|t| now.duration_since(t).unwrap_or_default() > Duration::from_secs(60));
        if purge_due || self.seen.len() >= MAX_NONCES {
            self.seen
                .retain(|_, t| now.duration_since(*t).unwrap_or_default() <= window);
            if self.seen.len() >= MAX_NONCES {
                let mut times: Vec<SystemTime> = self.seen.values().copied().collect();
                times.sort();
                let cut = times[times.len() / 2];
                self.seen.retain(|_, t| *t > cut);
            }
            self.purged_at = Some(now);
        }
        if self.seen.contains_key(nonce) {
            return false;
        }
        self.seen.insert(nonce.to_owned(), now);
        true
    }
}

/// What the verifier looks at.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    /// The path as sent (still percent-encoded).
    pub raw_path: &'a str,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// Headers with lower-case names, in arrival order.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Settings of the verifier.
#[derive(Debug)]
pub(crate) struct Verifier {
    pub keys: Vec<AccessKey>,
    pub max_skew: Duration,
    pub nonces: Mutex<NonceCache>,
}

struct Authorization<'a> {
    credential: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "IncompleteSignature", message)
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, ApiError> {
    let value = value.trim();
    let (algorithm, rest) = value
        .split_once(' ')
        .ok_or_else(|| incomplete("the Authorization header is malformed"))?;
    if algorithm != ALGORITHM {
        return Err(ApiError::new(
            400,
            "InvalidSignatureMethod",
            format!("the signature algorithm `{algorithm}` is not supported; use {ALGORITHM}"),
        ));
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            return Err(incomplete("the Authorization header is malformed"));
        };
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    let credential = credential
        .filter(|c| !c.is_empty())
        .ok_or_else(|| incomplete("the Authorization header names no Credential"))?;
    let signed_headers: Vec<&str> = signed
        .ok_or_else(|| incomplete("the Authorization header names no SignedHeaders"))?
        .split(';')
        .filter(|s| !s.is_empty())
        .collect();
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or_else(|| incomplete("the Authorization header carries no Signature"))?;
    Ok(Authorization {
        credential,
        signed_headers,
        signature,
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Verifier {
    /// Checks the signature, date, nonce and body hash of `req`. Returns the
    /// access key id on success.
    pub fn verify(&self, req: &Incoming<'_>, wall_now: SystemTime) -> Result<String, ApiError> {
        let auth_value = req.header("authorization").ok_or_else(|| {
            ApiError::new(
                400,
                "MissingAuthorization",
                "the request carries no Authorization header; sign it with ACS3-HMAC-SHA256",
            )
        })?;
        let auth = parse_authorization(auth_value)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == auth.credential)
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "InvalidAccessKeyId.NotFound",
                    "the AccessKey id in the request is not known to this endpoint",
                )
            })?;

        // Date within the allowed skew.
        let date_text = req.header("x-acs-date").ok_or_else(|| {
            ApiError::new(400, "MissingParameter", "the x-acs-date header is missing")
        })?;
        let date = parse_iso_seconds(date_text.trim()).ok_or_else(|| {
            ApiError::new(
                400,
                "InvalidTimeStamp.Format",
                format!("x-acs-date `{date_text}` is not in the form YYYY-MM-DDTHH:MM:SSZ"),
            )
        })?;
        let skew = match wall_now.duration_since(date) {
            Ok(d) => d,
            Err(e) => e.duration(),
        };
        if skew > self.max_skew {
            return Err(ApiError::new(
                400,
                "InvalidTimeStamp.Expired",
                format!(
                    "x-acs-date {date_text} is more than {} minutes away from the server time",
                    self.max_skew.as_secs() / 60
                ),
            ));
        }
        let nonce = req
            .header("x-acs-signature-nonce")
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "MissingParameter",
                    "the x-acs-signature-nonce header is missing",
                )
            })?;

        // Body hash.
        let declared_hash = req
            .header(CONTENT_SHA256_HEADER)
            .ok_or_else(|| incomplete("the x-acs-content-sha256 header is missing"))?;
        let actual_hash = content_sha256(req.body);
        if !declared_hash.trim().eq_ignore_ascii_case(&actual_hash) {
            return Err(ApiError::new(
                400,
                "SignatureDoesNotMatch",
                "the body does not match its x-acs-content-sha256 header (was it changed in transit?)",
            ));
        }

        // Security token.
        match (&key.security_token, req.header("x-acs-security-token")) {
            (Some(expected), Some(got)) if expected == got => {}
            (Some(_), Some(_)) => {
                return Err(ApiError::new(
                    400,
                    "InvalidSecurityToken.Mismatch",
                    "the security token does not belong to the AccessKey id",
                ));
            }
            (Some(_), None) => {
                return Err(ApiError::new(
                    400,
                    "InvalidSecurityToken.Missing",
                    "this AccessKey id is temporary and needs x-acs-security-token",
                ));
            }
            (None, Some(_)) => {
                return Err(ApiError::new(
                    400,
                    "InvalidSecurityToken.Malformed",
                    "a security token was sent with a permanent AccessKey id",
                ));
            }
            (None, None) => {}
        }

        // Which headers must be signed.
        for required in ["host", "x-acs-date", CONTENT_SHA256_HEADER] {
            if !auth.signed_headers.contains(&required) {
                return Err(incomplete(format!(
                    "SignedHeaders must include `{required}`"
                )));
            }
        }
        for (name, _) in req.headers {
            if name.starts_with("x-acs-") && !auth.signed_headers.contains(&name.as_str()) {
                return Err(incomplete(format!("the header `{name}` is not signed")));
            }
        }

        let canonical = canonical_request(req, &auth.signed_headers, declared_hash.trim())?;
        let string_to_sign = format!("{ALGORITHM}\n{}", content_sha256(canonical.as_bytes()));
        let hkey = hmac::Key::new(hmac::HMAC_SHA256, key.secret.as_bytes());
        let valid = decode_hex(auth.signature)
            .is_some_and(|sig| hmac::verify(&hkey, string_to_sign.as_bytes(), &sig).is_ok());
        if !valid {
            return Err(ApiError::new(
                400,
                "SignatureDoesNotMatch",
                format!(
                    "the request signature does not match the emulator's calculation; the string to sign is: {}",
                    string_to_sign.replace('\n', "\\n")
                ),
            ));
        }

        let fresh = self
            .nonces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(nonce.trim(), wall_now, self.max_skew * 2);
        if !fresh {
            return Err(ApiError::new(
                400,
                "SignatureNonceUsed",
                "the x-acs-signature-nonce was already used",
            ));
        }
        Ok(key.id.clone())
    }
}

/// The canonical request of `req` over `signed_headers`.
fn canonical_request(
    req: &Incoming<'_>,
    signed_headers: &[&str],
    content_hash: &str,
) -> Result<String, ApiError> {
    let mut out = String::with_capacity(512);
    out.push_str(req.method);
    out.push('\n');
    out.push_str(if req.raw_path.is_empty() {
        "/"
    } else {
        req.raw_path
    });
    out.push('\n');
    out.push_str(&canonical_query(req.query));
    out.push('\n');
    for name in signed_headers {
        let mut values: Vec<&str> = req
            .headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect();
        if values.is_empty() {
            return Err(incomplete(format!(
                "the signed header `{name}` is not in the request"
            )));
        }
        values.sort_unstable();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(content_hash);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alibabacloud_core::sign::{SignableRequest, SigningKey, sign};

    type Pairs = Vec<(String, String)>;

    fn verifier() -> Verifier {
        Verifier {
            keys: vec![AccessKey {
                id: "id1".into(),
                secret: "secret1".into(),
                security_token: None,
            }],
            max_skew: Duration::from_secs(900),
            nonces: Mutex::new(NonceCache::default()),
        }
    }

    fn signed(now: SystemTime, nonce: &str, body: &[u8], secret: &str) -> (Pairs, Pairs) {
        let query = vec![("RegionId".to_owned(), "cn-hangzhou".to_owned())];
        let mut headers = vec![
            ("host".to_owned(), "127.0.0.1:1".to_owned()),
            ("x-acs-action".to_owned(), "DescribeRegions".to_owned()),
            ("x-acs-version".to_owned(), "2014-05-26".to_owned()),
            (
                "x-acs-date".to_owned(),
                alibabacloud_core::sign::format_date(now),
            ),
            ("x-acs-signature-nonce".to_owned(), nonce.to_owned()),
        ];
        let sig = sign(
            &SignableRequest {
                method: "POST",
                path: "/",
                query: &query,
                headers: &headers,
                body,
            },
            SigningKey {
                access_key_id: "id1",
                access_key_secret: secret,
            },
        );
        headers.push((CONTENT_SHA256_HEADER.to_owned(), sig.content_sha256));
        headers.push(("authorization".to_owned(), sig.authorization));
        headers.push(("user-agent".to_owned(), "unsigned".to_owned()));
        (query, headers)
    }

    fn check(
        v: &Verifier,
        query: &[(String, String)],
        headers: &[(String, String)],
        body: &[u8],
        now: SystemTime,
    ) -> Result<String, ApiError> {
        v.verify(
            &Incoming {
                method: "POST",
                raw_path: "/",
                query,
                headers,
                body,
            },
            now,
        )
    }

    #[test]
    fn accepts_what_core_signs() {
        let now = SystemTime::now();
        let v = verifier();
        let (q, h) = signed(now, "n1", b"", "secret1");
        assert_eq!(check(&v, &q, &h, b"", now).unwrap(), "id1");
        // Replaying the same nonce is refused.
        let e = check(&v, &q, &h, b"", now).unwrap_err();
        assert_eq!(e.code, "SignatureNonceUsed");
    }

    #[test]
    fn rejects_bad_signature_tampering_and_skew() {
        let now = SystemTime::now();
        let v = verifier();
        let (q, h) = signed(now, "n2", b"", "wrong");
        assert_eq!(
            check(&v, &q, &h, b"", now).unwrap_err().code,
            "SignatureDoesNotMatch"
        );

        let (q, h) = signed(now, "n3", b"a=1", "secret1");
        let e = check(&v, &q, &h, b"a=2", now).unwrap_err();
        assert_eq!(e.code, "SignatureDoesNotMatch");
        assert!(e.message.contains("x-acs-content-sha256"));

        let (mut q, h) = signed(now, "n4", b"", "secret1");
        q[0].1 = "cn-beijing".into();
        assert_eq!(
            check(&v, &q, &h, b"", now).unwrap_err().code,
            "SignatureDoesNotMatch"
        );

        let old = now - Duration::from_secs(16 * 60);
        let (q, h) = signed(old, "n5", b"", "secret1");
        assert_eq!(
            check(&v, &q, &h, b"", now).unwrap_err().code,
            "InvalidTimeStamp.Expired"
        );
    }

    #[test]
    fn unknown_key_and_missing_header() {
        let now = SystemTime::now();
        let v = verifier();
        let (q, mut h) = signed(now, "n6", b"", "secret1");
        for (k, val) in &mut h {
            if k == "authorization" {
                *val = val.replace("Credential=id1", "Credential=other");
            }
        }
        let e = check(&v, &q, &h, b"", now).unwrap_err();
        assert_eq!(
            (e.status, e.code.as_str()),
            (404, "InvalidAccessKeyId.NotFound")
        );
        let e = check(&v, &q, &[], b"", now).unwrap_err();
        assert_eq!(e.code, "MissingAuthorization");
    }

    /// The shared vectors were computed with the official SDK's signer.
    #[test]
    fn accepts_the_shared_signature_vectors() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/testdata/signature-v3-vectors.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("SKIPPED: {} is not there", path.display());
            return;
        };
        let vectors: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        assert!(!vectors.is_empty());
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            let map = |k: &str| -> Pairs {
                v[k].as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect()
            };
            let query = map("query");
            let mut headers = map("headers");
            let token = headers
                .iter()
                .find(|(k, _)| k == "x-acs-security-token")
                .map(|(_, v)| v.clone());
            headers.push((
                CONTENT_SHA256_HEADER.to_owned(),
                v["expected_content_sha256"].as_str().unwrap().to_owned(),
            ));
            headers.push((
                "authorization".to_owned(),
                v["expected_authorization"].as_str().unwrap().to_owned(),
            ));
            let date = headers
                .iter()
                .find(|(k, _)| k == "x-acs-date")
                .unwrap()
                .1
                .clone();
            let verifier = Verifier {
                keys: vec![AccessKey {
                    id: v["access_key_id"].as_str().unwrap().to_owned(),
                    secret: v["access_key_secret"].as_str().unwrap().to_owned(),
                    security_token: token,
                }],
                max_skew: Duration::from_secs(900),
                nonces: Mutex::new(NonceCache::default()),
            };
            let incoming = Incoming {
                method: v["method"].as_str().unwrap(),
                raw_path: v["pathname"].as_str().unwrap(),
                query: &query,
                headers: &headers,
                body: v["body"].as_str().unwrap().as_bytes(),
            };
            let canonical = canonical_request(
                &incoming,
                &parse_authorization(v["expected_authorization"].as_str().unwrap())
                    .unwrap()
                    .signed_headers,
                v["expected_content_sha256"].as_str().unwrap(),
            )
            .unwrap();
            assert_eq!(
                canonical,
                v["expected_canonical_request"].as_str().unwrap(),
                "{name}"
            );
            verifier
                .verify(&incoming, parse_iso_seconds(&date).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    /// The official SDKs sign every header they send (`accept`,
    /// `user-agent`, ...): the list in the request is what counts.
    #[test]
    fn accepts_every_header_signed() {
        let now = SystemTime::now();
        let date = alibabacloud_core::sign::format_date(now);
        let body = br#"{"a":1}"#;
        let hash = content_sha256(body);
        let mut headers: Pairs = vec![
            ("accept".into(), "application/json".into()),
            (
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            ),
            ("host".into(), "127.0.0.1:9".into()),
            (
                "user-agent".into(),
                "AlibabaCloud (Linux) Python/3.11".into(),
            ),
            ("x-acs-action".into(), "CreateJob".into()),
            ("x-acs-content-sha256".into(), hash.clone()),
            ("x-acs-date".into(), date),
            ("x-acs-signature-nonce".into(), "n-all".into()),
            ("x-acs-version".into(), "2020-12-03".into()),
        ];
        // Written out by hand, independently of `canonical_request`.
        let mut canonical = String::from("POST\n/api/v1/jobs\nA=1&b=x%20y\n");
        for (k, v) in &headers {
            canonical.push_str(&format!("{k}:{v}\n"));
        }
        let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
        canonical.push_str(&format!("\n{}\n{hash}", names.join(";")));
        let to_sign = format!("{ALGORITHM}\n{}", content_sha256(canonical.as_bytes()));
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"secret1");
        let signature = alibabacloud_core::sign::hex(hmac::sign(&key, to_sign.as_bytes()).as_ref());
        headers.push((
            "authorization".into(),
            format!(
                "{ALGORITHM} Credential=id1,SignedHeaders={},Signature={signature}",
                names.join(";")
            ),
        ));
        let query: Pairs = vec![("b".into(), "x y".into()), ("A".into(), "1".into())];
        let incoming = Incoming {
            method: "POST",
            raw_path: "/api/v1/jobs",
            query: &query,
            headers: &headers,
            body,
        };
        assert_eq!(verifier().verify(&incoming, now).unwrap(), "id1");
        // Changing an unsigned-by-core but signed-here header breaks it.
        let mut changed = headers.clone();
        changed[3].1 = "other agent".into();
        let incoming = Incoming {
            headers: &changed,
            ..incoming
        };
        let e = verifier().verify(&incoming, now).unwrap_err();
        assert_eq!(e.code, "SignatureDoesNotMatch");
    }
}
