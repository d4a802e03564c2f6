//! Percent-encoding as the V3 signature and the wire need it (RFC 3986:
//! only `A-Z a-z 0-9 - _ . ~` stay as they are).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, PercentEncode, utf8_percent_encode};

/// Everything except the RFC 3986 unreserved characters.
pub const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Like [`RFC3986`] but keeps `/`, for URI paths.
pub const RFC3986_PATH: &AsciiSet = &RFC3986.remove(b'/');

/// Encodes a query key or value. Lazy: yields borrowed chunks, no allocation.
pub fn encode_param(input: &str) -> PercentEncode<'_> {
    utf8_percent_encode(input, RFC3986)
}

/// Encodes a URI path, keeping the `/` separators.
pub fn encode_path(input: &str) -> PercentEncode<'_> {
    utf8_percent_encode(input, RFC3986_PATH)
}

/// Encodes a single path segment (a path parameter value): `/` is escaped too.
pub fn encode_segment(input: &str) -> PercentEncode<'_> {
    utf8_percent_encode(input, RFC3986)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_characters_pass_through() {
        let s = "AZaz09-_.~";
        assert_eq!(encode_param(s).to_string(), s);
    }

    #[test]
    fn reserved_and_unicode_are_escaped() {
        assert_eq!(encode_param("a b*c/ü").to_string(), "a%20b%2Ac%2F%C3%BC");
        assert_eq!(encode_path("/api/v1/a b").to_string(), "/api/v1/a%20b");
        assert_eq!(encode_segment("a/b").to_string(), "a%2Fb");
    }
}
