//! ACS3-HMAC-SHA256 request signing (signature V3).
//!
//! The signer borrows the request. It writes the canonical request once into
//! a buffer sized up front, encodes with a byte-level RFC 3986 encoder, keeps
//! header names borrowed when they are already lower case, and only sorts
//! the query when it is not sorted yet.

use std::borrow::Cow;
use std::fmt::Write as _;

use ring::{digest, hmac};

/// The algorithm name that starts the string to sign and the Authorization header.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
/// Header carrying the hex SHA-256 of the body.
pub const CONTENT_SHA256_HEADER: &str = "x-acs-content-sha256";
/// SHA-256 of the empty string, hex encoded.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A request as the signer sees it. Everything is borrowed.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method, upper case (`GET`, `POST`, ...).
    pub method: &'a str,
    /// The path exactly as it goes on the wire, already percent-encoded
    /// (`/` for RPC). Path parameters are encoded when they are substituted
    /// (see [`crate::encode::encode_segment`]), so the signer uses this verbatim.
    pub path: &'a str,
    /// Query parameters, not encoded. Order does not matter.
    pub query: &'a [(String, String)],
    /// Headers to send. `host`, `content-type` and every `x-acs-*` header are signed.
    pub headers: &'a [(String, String)],
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// Key material for one signature.
#[derive(Clone, Copy)]
pub struct SigningKey<'a> {
    /// AccessKey id.
    pub access_key_id: &'a str,
    /// AccessKey secret.
    pub access_key_secret: &'a str,
}

impl std::fmt::Debug for SigningKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field(
                "access_key_id",
                &crate::credentials::mask_id(self.access_key_id),
            )
            .field("access_key_secret", &"** redacted **")
            .finish()
    }
}

/// What the signer adds to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Value of the `x-acs-content-sha256` header.
    pub content_sha256: String,
    /// Value of the `Authorization` header.
    pub authorization: String,
}

/// Hex SHA-256 of `body`.
pub fn content_sha256(body: &[u8]) -> String {
    if body.is_empty() {
        return EMPTY_SHA256.to_owned();
    }
    hex(digest::digest(&digest::SHA256, body).as_ref())
}

/// Signs `request`. The body hash is taken from an `x-acs-content-sha256`
/// header when the request already carries one, else computed.
pub fn sign(request: &SignableRequest<'_>, key: SigningKey<'_>) -> Signature {
    let content_sha256 = header_value(request.headers, CONTENT_SHA256_HEADER)
        .map(str::to_owned)
        .unwrap_or_else(|| content_sha256(request.body));
    // Building the canonical request in one buffer and hashing it once is
    // measurably faster than streaming many small pieces into the digest.
    let mut canonical = Vec::with_capacity(canonical_capacity(request));
    let signed_headers = write_canonical_request(request, &content_sha256, &mut canonical);
    let request_hash = digest::digest(&digest::SHA256, &canonical);

    let mut string_to_sign = [0u8; ALGORITHM.len() + 1 + 64];
    string_to_sign[..ALGORITHM.len()].copy_from_slice(ALGORITHM.as_bytes());
    string_to_sign[ALGORITHM.len()] = b'\n';
    hex_into(
        request_hash.as_ref(),
        &mut string_to_sign[ALGORITHM.len() + 1..],
    );

    let hkey = hmac::Key::new(hmac::HMAC_SHA256, key.access_key_secret.as_bytes());
    let tag = hmac::sign(&hkey, &string_to_sign);

    let mut authorization = String::with_capacity(
        ALGORITHM.len() + 40 + key.access_key_id.len() + signed_headers.len() + 64,
    );
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Credential=");
    authorization.push_str(key.access_key_id);
    authorization.push_str(",SignedHeaders=");
    authorization.push_str(&signed_headers);
    authorization.push_str(",Signature=");
    push_hex(tag.as_ref(), &mut authorization);
    Signature {
        content_sha256,
        authorization,
    }
}

/// The canonical request as text. For debugging and tests.
pub fn canonical_request(request: &SignableRequest<'_>) -> String {
    let content_sha256 = header_value(request.headers, CONTENT_SHA256_HEADER)
        .map(str::to_owned)
        .unwrap_or_else(|| content_sha256(request.body));
    let mut out = Vec::with_capacity(canonical_capacity(request));
    write_canonical_request(request, &content_sha256, &mut out);
    // Only ASCII and percent-escapes are written, apart from header values,
    // which come from `String`s: the buffer is valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The string to sign, as text. For debugging and tests.
pub fn string_to_sign(request: &SignableRequest<'_>) -> String {
    let canonical = canonical_request(request);
    let hash = digest::digest(&digest::SHA256, canonical.as_bytes());
    format!("{ALGORITHM}\n{}", hex(hash.as_ref()))
}

/// The canonical query string: keys sorted, keys and values RFC 3986 encoded.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut out = Vec::new();
    write_query(query, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// A generous guess of the canonical request's length, to allocate once.
fn canonical_capacity(request: &SignableRequest<'_>) -> usize {
    let query: usize = request
        .query
        .iter()
        .map(|(k, v)| k.len() + v.len() * 3 + 2)
        .sum();
    let headers: usize = request
        .headers
        .iter()
        .map(|(k, v)| 2 * k.len() + v.len() + 3)
        .sum();
    request.method.len() + request.path.len() + query + headers + 256
}

fn is_signed_header(lower_name: &str) -> bool {
    lower_name == "host" || lower_name == "content-type" || lower_name.starts_with("x-acs-")
}

fn header_value<'a>(headers: &'a [(String, String)], lower_name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(lower_name))
        .map(|(_, v)| v.as_str())
}

/// Writes the canonical request and returns the SignedHeaders list.
fn write_canonical_request(
    request: &SignableRequest<'_>,
    content_sha256: &str,
    out: &mut Vec<u8>,
) -> String {
    out.extend_from_slice(request.method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(if request.path.is_empty() {
        b"/"
    } else {
        request.path.as_bytes()
    });
    out.push(b'\n');
    write_query(request.query, out);
    out.push(b'\n');

    // Signed headers: names lower-cased (borrowed when they already are),
    // sorted; the content hash is always signed.
    let mut names: Vec<(Cow<'_, str>, &str)> = Vec::with_capacity(request.headers.len() + 1);
    for (name, value) in request.headers {
        let lower = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name.as_str())
        };
        if is_signed_header(&lower) {
            names.push((lower, value.as_str()));
        }
    }
    if !names.iter().any(|(n, _)| n == CONTENT_SHA256_HEADER) {
        names.push((Cow::Borrowed(CONTENT_SHA256_HEADER), content_sha256));
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let mut signed = String::with_capacity(names.iter().map(|(n, _)| n.len() + 1).sum());
    let mut i = 0;
    while i < names.len() {
        let name = &names[i].0;
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        // Repeated headers: values trimmed, sorted and comma-joined.
        let mut j = i;
        while j < names.len() && names[j].0 == *name {
            j += 1;
        }
        if j - i == 1 {
            out.extend_from_slice(names[i].1.trim().as_bytes());
        } else {
            let mut values: Vec<&str> = names[i..j].iter().map(|(_, v)| v.trim()).collect();
            values.sort_unstable();
            out.extend_from_slice(values.join(",").as_bytes());
        }
        out.push(b'\n');
        if !signed.is_empty() {
            signed.push(';');
        }
        signed.push_str(name);
        i = j;
    }
    out.push(b'\n');
    out.extend_from_slice(signed.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(content_sha256.as_bytes());
    signed
}

fn write_query(query: &[(String, String)], out: &mut Vec<u8>) {
    let mut write_pair = |first: bool, k: &str, v: &str| {
        if !first {
            out.push(b'&');
        }
        encode_into(k, out);
        out.push(b'=');
        encode_into(v, out);
    };
    if query.windows(2).all(|w| w[0].0 <= w[1].0) {
        for (i, (k, v)) in query.iter().enumerate() {
            write_pair(i == 0, k, v);
        }
    } else {
        let mut order: Vec<&(String, String)> = query.iter().collect();
        order.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (k, v)) in order.into_iter().enumerate() {
            write_pair(i == 0, k, v);
        }
    }
}

/// RFC 3986 percent-encoding straight into a byte buffer: runs of
/// unreserved bytes are copied whole, everything else becomes `%XX`.
/// Must agree with [`crate::encode::encode_param`] (a property test checks).
fn encode_into(input: &str, out: &mut Vec<u8>) {
    let bytes = input.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !is_unreserved(b) {
            out.extend_from_slice(&bytes[run_start..i]);
            out.extend_from_slice(&[
                b'%',
                HEX_UPPER[(b >> 4) as usize],
                HEX_UPPER[(b & 0x0f) as usize],
            ]);
            run_start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[run_start..]);
}

const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_into(bytes: &[u8], out: &mut [u8]) {
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 0x0f) as usize];
    }
}

fn push_hex(bytes: &[u8], out: &mut String) {
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0x0f) as usize] as char);
    }
}

/// Lower-case hex encoding.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(bytes, &mut s);
    s
}

/// Formats a time as the `x-acs-date` header wants it (`YYYY-MM-DDTHH:MM:SSZ`, UTC).
pub fn format_date(t: std::time::SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    let mut s = String::with_capacity(20);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    s
}

/// A fresh random signature nonce (32 hex characters).
pub fn new_nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn date_format_is_utc_seconds() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_579_200);
        assert_eq!(format_date(t), "2026-11-25T04:00:00Z");
    }

    #[test]
    fn nonce_is_unique_hex() {
        let a = new_nonce();
        let b = new_nonce();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn unsorted_query_is_sorted() {
        let q = vec![
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "x y".to_owned()),
        ];
        assert_eq!(canonical_query(&q), "a=x%20y&b=2");
    }

    #[test]
    fn repeated_headers_are_joined_sorted() {
        let headers = vec![
            ("x-acs-b".to_owned(), " 2 ".to_owned()),
            ("X-Acs-B".to_owned(), "1".to_owned()),
            ("user-agent".to_owned(), "not signed".to_owned()),
            ("host".to_owned(), "h".to_owned()),
        ];
        let req = SignableRequest {
            method: "GET",
            path: "/",
            query: &[],
            headers: &headers,
            body: b"",
        };
        let c = canonical_request(&req);
        assert!(c.contains("x-acs-b:1,2\n"), "{c}");
        assert!(!c.contains("user-agent"));
        assert!(c.contains("\nhost;x-acs-b;x-acs-content-sha256\n"), "{c}");
    }
}
