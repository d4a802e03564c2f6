//! Property tests of the percent-encoding the V3 signature depends on.
//!
//! `sign::canonical_query` and `encode::encode_path` are compared with a
//! deliberately naive model written here from the rule in DESIGN.md §4: sort
//! the parameters by name, then write every UTF-8 byte outside
//! `A-Z a-z 0-9 - _ . ~` (and, for paths, `/`) as `%XX` in upper-case hex.

use alibabacloud_core::encode::encode_path;
use alibabacloud_core::sign::canonical_query;
use proptest::prelude::*;

// ---- the model -------------------------------------------------------------

fn is_unreserved(b: u8) -> bool {
    matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~')
}

fn model_encode(input: &str, keep_slash: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::new();
    for b in input.bytes() {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
        }
    }
    out
}

/// Parameters sorted by name (byte order, stable), `k=v` joined with `&`.
fn model_query(pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", model_encode(k, false), model_encode(v, false)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Reverses `%XX` escapes; `None` on a malformed escape or invalid UTF-8.
fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = input.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Every `%` starts an escape of two upper-case hex digits.
fn escapes_are_well_formed(encoded: &str) -> bool {
    let bytes = encoded.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || bytes.get(i + 1..i + 3).is_some_and(|hex| {
                hex.iter()
                    .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
            })
    })
}

// ---- inputs ----------------------------------------------------------------

/// Fragments that stress the encoder: reserved characters, `%` itself,
/// multi-byte and combining characters, emoji (with joiners), controls.
const TRICKY: &[&str] = &[
    "",
    " ",
    "*",
    "~",
    "/",
    "+",
    "%",
    "%20",
    "%2F",
    "=",
    "&",
    "?",
    "#",
    "-",
    "_",
    ".",
    "!",
    "'",
    "(",
    ")",
    ":",
    "@",
    ",",
    ";",
    "\"",
    "[",
    "]",
    "{",
    "}",
    "é",
    "e\u{301}",
    "a\u{308}\u{332}",
    "ü",
    "😀",
    "👩\u{200d}💻",
    "🇨🇳",
    "\u{4e2d}\u{6587}",
    "ß",
    "\u{0}",
    "\t",
    "\n",
    "\u{7f}",
    "\u{80}",
    "\u{feff}",
    "\u{10ffff}",
    "A",
    "z",
    "0",
    "9",
];

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(TRICKY).prop_map(str::to_owned),
        2 => any::<char>().prop_map(String::from),
        2 => "[A-Za-z0-9._~-]{1,6}",
    ]
}

/// A string made of a few fragments (possibly empty).
fn tricky_string() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..6).prop_map(|parts| parts.concat())
}

/// Parameters with distinct names, in arbitrary order.
fn unique_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::collection::btree_map(tricky_string(), tricky_string(), 0..10),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(map, rotate, reverse)| {
            let mut pairs: Vec<(String, String)> = map.into_iter().collect();
            if !pairs.is_empty() {
                let n = rotate.index(pairs.len());
                pairs.rotate_left(n);
            }
            if reverse {
                pairs.reverse();
            }
            pairs
        })
}

/// Splits a canonical query back into decoded pairs.
fn decode_query(query: &str) -> Option<Vec<(String, String)>> {
    if query.is_empty() {
        return Some(Vec::new());
    }
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

// ---- properties ------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_query_matches_the_model(pairs in unique_pairs()) {
        prop_assert_eq!(canonical_query(&pairs), model_query(&pairs));
    }

    #[test]
    fn canonical_query_uses_only_safe_characters(pairs in unique_pairs()) {
        let query = canonical_query(&pairs);
        prop_assert!(
            query.bytes().all(|b| is_unreserved(b) || matches!(b, b'%' | b'=' | b'&')),
            "unexpected character in {:?}", query
        );
        prop_assert!(escapes_are_well_formed(&query), "bad escape in {:?}", query);
    }

    #[test]
    fn canonical_query_decodes_back_to_the_sorted_input(pairs in unique_pairs()) {
        let query = canonical_query(&pairs);
        let mut expected = pairs.clone();
        expected.sort();
        prop_assert_eq!(decode_query(&query), Some(expected));
    }

    /// Duplicate names are not sent by the SDK, but if they occur nothing is
    /// lost and the names still come out sorted.
    #[test]
    fn duplicate_names_are_kept_and_sorted(
        pairs in prop::collection::vec((prop::sample::select(vec!["a", "B", "a b", "é"]), tricky_string()), 0..8)
    ) {
        let pairs: Vec<(String, String)> =
            pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let decoded = decode_query(&canonical_query(&pairs)).expect("decodable");
        prop_assert!(decoded.windows(2).all(|w| w[0].0.as_bytes() <= w[1].0.as_bytes()));
        let mut got = decoded.clone();
        got.sort();
        let mut want = pairs.clone();
        want.sort();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn encode_path_matches_the_model(path in tricky_string()) {
        prop_assert_eq!(encode_path(&path).to_string(), model_encode(&path, true));
    }

    #[test]
    fn encode_path_keeps_slashes_and_round_trips(
        segments in prop::collection::vec(tricky_string(), 0..5)
    ) {
        let path = format!("/{}", segments.join("/"));
        let encoded = encode_path(&path).to_string();
        prop_assert!(
            encoded.bytes().all(|b| is_unreserved(b) || matches!(b, b'%' | b'/')),
            "unexpected character in {:?}", encoded
        );
        prop_assert!(escapes_are_well_formed(&encoded), "bad escape in {:?}", encoded);
        // Each literal `/` of the input survives as is.
        prop_assert_eq!(
            encoded.bytes().filter(|&b| b == b'/').count(),
            path.bytes().filter(|&b| b == b'/').count()
        );
        prop_assert_eq!(percent_decode(&encoded), Some(path));
    }
}

// ---- fixed examples, so a failure in the model itself is visible ------------

#[test]
fn model_examples() {
    assert_eq!(model_encode("a b*c~/+%", false), "a%20b%2Ac~%2F%2B%25");
    assert_eq!(model_encode("/a b/", true), "/a%20b/");
    assert_eq!(model_encode("😀", false), "%F0%9F%98%80");
    assert_eq!(model_encode("e\u{301}", false), "e%CC%81");
    let pairs = vec![
        ("b".to_owned(), "".to_owned()),
        ("A".to_owned(), "x y".to_owned()),
        ("a".to_owned(), "*".to_owned()),
    ];
    assert_eq!(model_query(&pairs), "A=x%20y&a=%2A&b=");
    assert_eq!(canonical_query(&pairs), model_query(&pairs));
    assert!(escapes_are_well_formed("%2A%F0"));
    assert!(!escapes_are_well_formed("%2"));
    assert!(!escapes_are_well_formed("%2a"));
    assert!(!escapes_are_well_formed("%"));
    assert_eq!(percent_decode("%F0%9F%98%80"), Some("😀".to_owned()));
}
