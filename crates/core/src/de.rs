//! Wire (de)serialization support for the generated product crates.
//!
//! Generated structs do not use `#[derive(Serialize, Deserialize)]`: the
//! derive expands to a lot of code per field, and the product crates have
//! tens of thousands of fields. Instead each generated struct implements
//! [`ReadFields`] (one `match` arm per field) and [`WriteFields`] (one line
//! per field), and its `Deserialize` / `Serialize` impls are three-line calls
//! into [`deserialize_struct`] / [`serialize_struct`], which hold the single
//! copy of the visitor logic.
//!
//! Parsing is lenient where Alibaba Cloud services are known to be loose:
//!
//! - scalars ([`lenient`]): numbers and booleans that arrive as strings
//!   (`"8"`, `"true"`), strings that arrive as numbers, and `""` or `null`
//!   for an absent number all parse;
//! - lists ([`list`]): `null`, a missing member and `""` are an empty list; a
//!   single-key wrapper object (`{"Instance": [...]}`, the shape RPC APIs use)
//!   is unwrapped; a lone item instead of a one-element array is accepted;
//! - string enums ([`StringEnum`], [`string_enum_impls!`](crate::string_enum_impls)):
//!   a value the SDK does not know becomes `Unknown(String)`.
//!
//! The module also has the outputs of operations whose response has no
//! declared JSON shape: [`UntypedOutput`], [`TextOutput`], [`BytesOutput`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::Response;
use crate::error::Error;

#[doc(hidden)]
pub use serde as __serde;

// ---------------------------------------------------------------------------
// Struct support

/// The field-by-field reading half of a generated struct's `Deserialize`.
pub trait ReadFields: Default {
    /// Type name, for error messages.
    const NAME: &'static str;

    /// Reads the value of member `key` from `map` into the matching field,
    /// or skips it when the member is not known.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error>;
}

/// The field-by-field writing half of a generated struct's `Serialize`.
pub trait WriteFields {
    /// Writes every present field as a map entry under its wire name.
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

/// `Deserialize::deserialize` of a generated struct: a JSON object whose
/// members are handed to [`ReadFields::read_field`] one by one. Unknown
/// members are skipped; missing ones keep their default (`None`, empty).
pub fn deserialize_struct<'de, T: ReadFields, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(StructVisitor(PhantomData))
}

struct StructVisitor<T>(PhantomData<T>);

impl<'de, T: ReadFields> Visitor<'de> for StructVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object ({})", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            out.read_field(&key, &mut map)?;
        }
        Ok(out)
    }
}

/// A map key, borrowed from the input when possible.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// `Serialize::serialize` of a generated struct: a map of its present fields.
pub fn serialize_struct<T: WriteFields + ?Sized, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    value.write_fields(&mut map)?;
    map.end()
}

/// Reads a member that is not a field: the value is skipped.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(|_| ())
}

/// Reads an optional struct, enum, map or JSON value (`null` is `None`).
pub fn value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
) -> Result<Option<T>, A::Error> {
    map.next_value()
}

/// Reads an optional scalar leniently (see [`Scalar`]).
pub fn lenient<'de, A: MapAccess<'de>, T: Scalar>(map: &mut A) -> Result<Option<T>, A::Error> {
    map.next_value::<Lenient<T>>().map(|v| v.0)
}

/// Reads a list leniently (see [`List`]).
pub fn list<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: &mut A) -> Result<Vec<T>, A::Error> {
    map.next_value::<List<T>>().map(|v| v.0)
}

/// Whether a field is left out when serializing (`None`, an empty list).
pub trait Omit {
    /// `true` when the field holds nothing.
    fn omit(&self) -> bool;
}

impl<T> Omit for Option<T> {
    fn omit(&self) -> bool {
        self.is_none()
    }
}

impl<T> Omit for Vec<T> {
    fn omit(&self) -> bool {
        self.is_empty()
    }
}

/// Writes `value` under `key` unless it is `None` or an empty list.
pub fn put<M: SerializeMap, T: Omit + Serialize + ?Sized>(
    map: &mut M,
    key: &'static str,
    value: &T,
) -> Result<(), M::Error> {
    if value.omit() {
        Ok(())
    } else {
        map.serialize_entry(key, value)
    }
}

/// Writes a list in the RPC wrapper shape, `key: {inner: [...]}`, unless it
/// is empty.
pub fn put_wrapped<M: SerializeMap, T: Serialize>(
    map: &mut M,
    key: &'static str,
    inner: &'static str,
    items: &[T],
) -> Result<(), M::Error> {
    if items.is_empty() {
        return Ok(());
    }
    struct Wrapped<'a, T>(&'static str, &'a [T]);
    impl<T: Serialize> Serialize for Wrapped<'_, T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(self.0, self.1)?;
            map.end()
        }
    }
    map.serialize_entry(key, &Wrapped(inner, items))
}

/// `Err(Error::Validation)` naming `param` unless `present`.
pub fn require(present: bool, param: &'static str) -> Result<(), Error> {
    if present {
        Ok(())
    } else {
        Err(Error::validation(param, "is required"))
    }
}

// ---------------------------------------------------------------------------
// Lenient scalars

/// A scalar type that [`Lenient`] can read from loosely typed JSON.
pub trait Scalar: Sized {
    /// What the parser expected, for error messages.
    const EXPECTING: &'static str;
    /// From a JSON string (numbers and booleans as text).
    fn from_text(text: &str) -> Option<Self>;
    /// From a JSON integer.
    fn from_i64(value: i64) -> Option<Self>;
    /// From a JSON integer above `i64::MAX`.
    fn from_u64(value: u64) -> Option<Self>;
    /// From a JSON floating point number.
    fn from_f64(value: f64) -> Option<Self>;
    /// From a JSON boolean.
    fn from_bool(value: bool) -> Option<Self>;
    /// Whether an empty string means "absent" (for everything but strings).
    const EMPTY_IS_NONE: bool = true;
}

impl Scalar for String {
    const EXPECTING: &'static str = "a string";
    const EMPTY_IS_NONE: bool = false;
    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn from_i64(value: i64) -> Option<Self> {
        Some(value.to_string())
    }
    fn from_u64(value: u64) -> Option<Self> {
        Some(value.to_string())
    }
    fn from_f64(value: f64) -> Option<Self> {
        Some(value.to_string())
    }
    fn from_bool(value: bool) -> Option<Self> {
        Some(value.to_string())
    }
}

macro_rules! int_scalar {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const EXPECTING: &'static str = concat!("an integer (", stringify!($t), ")");
            fn from_text(text: &str) -> Option<Self> {
                let text = text.trim();
                text.parse().ok().or_else(|| {
                    text.parse::<f64>().ok().and_then(<$t as Scalar>::from_f64)
                })
            }
            fn from_i64(value: i64) -> Option<Self> {
                <$t>::try_from(value).ok()
            }
            fn from_u64(value: u64) -> Option<Self> {
                <$t>::try_from(value).ok()
            }
            fn from_f64(value: f64) -> Option<Self> {
                let fits = value.fract() == 0.0
                    && value >= <$t>::MIN as f64
                    && value <= <$t>::MAX as f64;
                fits.then_some(value as $t)
            }
            fn from_bool(_: bool) -> Option<Self> {
                None
            }
        }
    )*};
}
int_scalar!(i32, i64);

impl Scalar for f64 {
    const EXPECTING: &'static str = "a number";
    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
    fn from_i64(value: i64) -> Option<Self> {
        Some(value as f64)
    }
    fn from_u64(value: u64) -> Option<Self> {
        Some(value as f64)
    }
    fn from_f64(value: f64) -> Option<Self> {
        Some(value)
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

impl Scalar for bool {
    const EXPECTING: &'static str = "a boolean";
    fn from_text(text: &str) -> Option<Self> {
        match text.trim() {
            t if t.eq_ignore_ascii_case("true") || t == "1" => Some(true),
            t if t.eq_ignore_ascii_case("false") || t == "0" => Some(false),
            _ => None,
        }
    }
    fn from_i64(value: i64) -> Option<Self> {
        match value {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn from_u64(value: u64) -> Option<Self> {
        Self::from_i64(i64::try_from(value).ok()?)
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_bool(value: bool) -> Option<Self> {
        Some(value)
    }
}

/// An optional scalar read leniently: `"8"` is 8, `8` is `"8"` for a string,
/// `"true"` is `true`, and `null` or `""` (for non-strings) is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lenient<T>(pub Option<T>);

impl<'de, T: Scalar> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor(PhantomData))
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<T: Scalar> LenientVisitor<T> {
    fn done<E: de::Error>(
        value: Option<T>,
        unexpected: de::Unexpected<'_>,
    ) -> Result<Lenient<T>, E> {
        match value {
            Some(v) => Ok(Lenient(Some(v))),
            None => Err(E::invalid_value(unexpected, &T::EXPECTING)),
        }
    }
}

impl<'de, T: Scalar> Visitor<'de> for LenientVisitor<T> {
    type Value = Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Self::done(T::from_bool(v), de::Unexpected::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Self::done(T::from_i64(v), de::Unexpected::Signed(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Self::done(T::from_u64(v), de::Unexpected::Unsigned(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Self::done(T::from_f64(v), de::Unexpected::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if T::EMPTY_IS_NONE && v.trim().is_empty() {
            return Ok(Lenient(None));
        }
        Self::done(T::from_text(v), de::Unexpected::Str(v))
    }
}

// ---------------------------------------------------------------------------
// Lenient lists

/// A list read leniently: `null`, `""` and a missing member are empty; a
/// wrapper object (`{"Instance": [...]}`) is unwrapped; a lone item counts
/// as a one-item list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct List<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ListVisitor {
                wrapper: true,
                marker: PhantomData,
            })
            .map(List)
    }
}

struct ListVisitor<T> {
    /// A map is a wrapper (`{"Item": [...]}`) rather than a lone item.
    wrapper: bool,
    marker: PhantomData<T>,
}

/// The value inside a wrapper object: a list, or a lone item.
struct OneOrMany<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ListVisitor {
                wrapper: false,
                marker: PhantomData,
            })
            .map(OneOrMany)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<T>, S::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        if self.wrapper {
            let mut items = Vec::new();
            while let Some(Key(_)) = map.next_key::<Key<'de>>()? {
                items.extend(map.next_value::<OneOrMany<T>>()?.0);
            }
            Ok(items)
        } else {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|item| vec![item])
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        if v.is_empty() {
            return Ok(Vec::new());
        }
        T::deserialize(v.into_deserializer()).map(|item| vec![item])
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|item| vec![item])
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|item| vec![item])
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|item| vec![item])
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
        T::deserialize(v.into_deserializer()).map(|item| vec![item])
    }
}

// ---------------------------------------------------------------------------
// String enums

/// A string enum generated from a spec `enum`: known values are variants,
/// anything else is kept as `Unknown(String)`.
pub trait StringEnum: Sized {
    /// The variant for a wire value (`Unknown` for values not in the spec).
    fn from_wire(value: &str) -> Self;
    /// The wire value.
    fn as_wire(&self) -> &str;
}

/// Implements `as_str`, `Display`, `FromStr`, `From<&str>`, `From<String>`,
/// `Serialize` and `Deserialize` for a generated [`StringEnum`].
#[macro_export]
macro_rules! string_enum_impls {
    ($name:ident) => {
        impl $name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                $crate::de::StringEnum::as_wire(self)
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::de::StringEnum::as_wire(self))
            }
        }
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok($crate::de::StringEnum::from_wire(s))
            }
        }
        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                $crate::de::StringEnum::from_wire(s)
            }
        }
        impl ::std::convert::From<::std::string::String> for $name {
            fn from(s: ::std::string::String) -> Self {
                $crate::de::StringEnum::from_wire(&s)
            }
        }
        impl $crate::de::__serde::Serialize for $name {
            fn serialize<S: $crate::de::__serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::de::StringEnum::as_wire(self))
            }
        }
        impl<'de> $crate::de::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::de::__serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::de::deserialize_enum(deserializer)
            }
        }
    };
}

/// `Deserialize::deserialize` of a [`StringEnum`]: any string (or number,
/// taken as text) is accepted.
pub fn deserialize_enum<'de, T: StringEnum, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    match Lenient::<String>::deserialize(deserializer)?.0 {
        Some(text) => Ok(T::from_wire(&text)),
        None => Err(de::Error::invalid_type(de::Unexpected::Unit, &"a string")),
    }
}

// ---------------------------------------------------------------------------
// Outputs without a declared JSON shape

fn body_request_id(value: &Value) -> Option<String> {
    ["RequestId", "requestId", "request_id"]
        .iter()
        .find_map(|k| value.get(k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The output of an operation whose response shape is not known: the HTTP
/// status, the request id and the body as a JSON value (`Null` when empty,
/// a JSON string when the body is not JSON).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct UntypedOutput {
    /// HTTP status.
    pub status: u16,
    /// Request id, from the body (`RequestId` / `requestId`) or the
    /// `x-acs-request-id` header.
    pub request_id: Option<String>,
    /// The body.
    pub body: Value,
}

impl UntypedOutput {
    /// Builds the output from a successful response.
    pub fn from_response(response: &Response) -> Self {
        let raw = response.body();
        let body = if raw.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(raw)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(raw).into_owned()))
        };
        let request_id =
            body_request_id(&body).or_else(|| response.request_id().map(str::to_owned));
        Self {
            status: response.status(),
            request_id,
            body,
        }
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Request id, if the service sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The body as JSON.
    pub fn body(&self) -> &Value {
        &self.body
    }

    /// Takes the body.
    pub fn into_body(self) -> Value {
        self.body
    }

    /// Parses the body into a type of the caller's choice.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(&self.body).map_err(|e| {
            Error::deserialize(
                format!("response body ({e})"),
                self.body.to_string().as_bytes(),
            )
        })
    }
}

/// The output of an operation that answers with text (not JSON).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TextOutput {
    /// HTTP status.
    pub status: u16,
    /// Request id from the `x-acs-request-id` header.
    pub request_id: Option<String>,
    /// The body, decoded as UTF-8 (invalid sequences replaced).
    pub text: String,
}

impl TextOutput {
    /// Builds the output from a successful response.
    pub fn from_response(response: &Response) -> Self {
        Self {
            status: response.status(),
            request_id: response.request_id().map(str::to_owned),
            text: String::from_utf8_lossy(response.body()).into_owned(),
        }
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Request id, if the service sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The output of an operation that answers with raw bytes (FC
/// `InvokeFunction`): the whole HTTP response, headers included.
#[derive(Debug, Clone)]
pub struct BytesOutput {
    response: Response,
}

impl BytesOutput {
    /// Wraps a successful response.
    pub fn from_response(response: Response) -> Self {
        Self { response }
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.response.status()
    }

    /// Request id from the `x-acs-request-id` header.
    pub fn request_id(&self) -> Option<&str> {
        self.response.request_id()
    }

    /// The response headers.
    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        self.response.headers()
    }

    /// One response header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        self.response.body()
    }

    /// Takes the body.
    pub fn into_body(self) -> Bytes {
        self.response.body().clone()
    }
}

/// A map from strings to values, as generated code uses it for
/// `additionalProperties` objects (sorted, so serialization is stable).
pub type Map<T> = BTreeMap<String, T>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Item {
        id: Option<String>,
        cpu: Option<i32>,
        size: Option<i64>,
        price: Option<f64>,
        ok: Option<bool>,
        tags: Vec<String>,
        kind: Option<Kind>,
    }

    impl ReadFields for Item {
        const NAME: &'static str = "Item";
        fn read_field<'de, A: MapAccess<'de>>(
            &mut self,
            key: &str,
            map: &mut A,
        ) -> Result<(), A::Error> {
            match key {
                "Id" => self.id = lenient(map)?,
                "Cpu" => self.cpu = lenient(map)?,
                "Size" => self.size = lenient(map)?,
                "Price" => self.price = lenient(map)?,
                "Ok" => self.ok = lenient(map)?,
                "Tags" => self.tags = list(map)?,
                "Kind" => self.kind = value(map)?,
                _ => skip(map)?,
            }
            Ok(())
        }
    }

    impl WriteFields for Item {
        fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
            put(map, "Id", &self.id)?;
            put(map, "Cpu", &self.cpu)?;
            put(map, "Size", &self.size)?;
            put(map, "Price", &self.price)?;
            put(map, "Ok", &self.ok)?;
            put_wrapped(map, "Tags", "Tag", &self.tags)?;
            put(map, "Kind", &self.kind)?;
            Ok(())
        }
    }

    impl<'de> Deserialize<'de> for Item {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize_struct(d)
        }
    }

    impl Serialize for Item {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize_struct(self, s)
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Kind {
        Gpu,
        Unknown(String),
    }

    impl StringEnum for Kind {
        fn from_wire(value: &str) -> Self {
            match value {
                "GPU" => Self::Gpu,
                other => Self::Unknown(other.to_owned()),
            }
        }
        fn as_wire(&self) -> &str {
            match self {
                Self::Gpu => "GPU",
                Self::Unknown(s) => s,
            }
        }
    }
    crate::string_enum_impls!(Kind);

    #[test]
    fn scalars_parse_from_strings_and_back() {
        let item: Item = serde_json::from_str(
            r#"{"Id": 42, "Cpu": "8", "Size": 1e3, "Price": "1.25", "Ok": "true", "Other": {"x": [1]}}"#,
        )
        .unwrap();
        assert_eq!(item.id.as_deref(), Some("42"));
        assert_eq!(item.cpu, Some(8));
        assert_eq!(item.size, Some(1000));
        assert_eq!(item.price, Some(1.25));
        assert_eq!(item.ok, Some(true));
    }

    #[test]
    fn empty_and_null_numbers_are_absent() {
        let item: Item =
            serde_json::from_str(r#"{"Cpu": "", "Size": null, "Ok": " ", "Id": ""}"#).unwrap();
        assert_eq!(item.cpu, None);
        assert_eq!(item.size, None);
        assert_eq!(item.ok, None);
        assert_eq!(item.id.as_deref(), Some(""));
    }

    #[test]
    fn bad_scalars_are_errors() {
        assert!(serde_json::from_str::<Item>(r#"{"Cpu": "eight"}"#).is_err());
        assert!(serde_json::from_str::<Item>(r#"{"Cpu": 1.5}"#).is_err());
        assert!(serde_json::from_str::<Item>(r#"{"Cpu": 99999999999}"#).is_err());
        assert!(serde_json::from_str::<Item>(r#"{"Ok": 2}"#).is_err());
    }

    #[test]
    fn lists_accept_every_shape() {
        for (json, expected) in [
            (r#"{"Tags": {"Tag": ["a", "b"]}}"#, vec!["a", "b"]),
            (r#"{"Tags": ["a"]}"#, vec!["a"]),
            (r#"{"Tags": {"Tag": "a"}}"#, vec!["a"]),
            (r#"{"Tags": {}}"#, vec![]),
            (r#"{"Tags": {"Tag": null}}"#, vec![]),
            (r#"{"Tags": null}"#, vec![]),
            (r#"{"Tags": ""}"#, vec![]),
            (r#"{}"#, vec![]),
        ] {
            let item: Item = serde_json::from_str(json).unwrap();
            assert_eq!(item.tags, expected, "{json}");
        }
    }

    #[test]
    fn lone_object_in_a_wrapper_is_one_item() {
        let items: List<Item> = serde_json::from_str(r#"{"Item": {"Cpu": 2}}"#).unwrap();
        assert_eq!(items.0.len(), 1);
        assert_eq!(items.0[0].cpu, Some(2));
        let items: List<Item> =
            serde_json::from_str(r#"{"Item": [{"Cpu": 2}, {"Cpu": "4"}]}"#).unwrap();
        assert_eq!(items.0[1].cpu, Some(4));
    }

    #[test]
    fn enums_keep_unknown_values() {
        let item: Item = serde_json::from_str(r#"{"Kind": "TPU"}"#).unwrap();
        assert_eq!(item.kind, Some(Kind::Unknown("TPU".into())));
        assert_eq!(item.kind.as_ref().unwrap().to_string(), "TPU");
        assert_eq!(item.kind.as_ref().unwrap().as_str(), "TPU");
        let item: Item = serde_json::from_str(r#"{"Kind": "GPU"}"#).unwrap();
        assert_eq!(item.kind, Some(Kind::Gpu));
        assert_eq!("GPU".parse::<Kind>().unwrap(), Kind::Gpu);
        assert_eq!(Kind::from("x"), Kind::Unknown("x".into()));
    }

    #[test]
    fn serialization_uses_wire_names_and_wrappers() {
        let item = Item {
            id: Some("i-1".into()),
            cpu: Some(4),
            tags: vec!["a".into()],
            kind: Some(Kind::Gpu),
            ..Item::default()
        };
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({"Id": "i-1", "Cpu": 4, "Tags": {"Tag": ["a"]}, "Kind": "GPU"})
        );
    }

    #[test]
    fn untyped_output_keeps_the_body() {
        let value: Value = serde_json::json!({"RequestId": "R1", "x": 1});
        assert_eq!(body_request_id(&value).as_deref(), Some("R1"));
    }

    #[test]
    fn require_names_the_parameter() {
        assert!(require(true, "RegionId").is_ok());
        let e = require(false, "RegionId").unwrap_err();
        assert!(matches!(e, Error::Validation { ref param, .. } if param == "RegionId"));
    }
}
