//! Flat `name=value` request parameters (RPC query and form bodies, ROA
//! queries) with readers for the RPC parameter styles.

use std::collections::BTreeMap;

use crate::error::ApiError;

/// Decoded request parameters, in arrival order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The value of `name` (the last one when repeated).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value of `name`.
    pub fn get_nonempty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// A required value.
    pub fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get_nonempty(name)
            .ok_or_else(|| ApiError::missing(name))
    }

    /// An integer value (validation has already checked the type when the
    /// spec declares one).
    pub fn get_i64(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get_nonempty(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid(name, "must be an integer")),
        }
    }

    /// A number value.
    pub fn get_f64(&self, name: &str) -> Result<Option<f64>, ApiError> {
        match self.get_nonempty(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid(name, "must be a number")),
        }
    }

    /// A boolean value.
    pub fn get_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get_nonempty(name) {
            None => Ok(None),
            Some(v) => parse_bool(v)
                .map(Some)
                .ok_or_else(|| ApiError::invalid(name, "must be true or false")),
        }
    }

    /// Whether any parameter is `name` or starts with `name.`.
    pub fn has_prefix(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| {
            k == name
                || (k.len() > name.len() && k.starts_with(name) && k.as_bytes()[name.len()] == b'.')
        })
    }

    /// A list of scalars, accepting every encoding clients use:
    /// `repeatList` (`Name.1`, `Name.2`), a JSON array in `Name`, or a
    /// comma-separated `Name`.
    pub fn list(&self, name: &str) -> Vec<String> {
        let mut indexed: Vec<(usize, String)> = self
            .0
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(name)?.strip_prefix('.')?;
                let idx: usize = rest.parse().ok()?;
                Some((idx, v.clone()))
            })
            .collect();
        if !indexed.is_empty() {
            indexed.sort_by_key(|(i, _)| *i);
            return indexed.into_iter().map(|(_, v)| v).collect();
        }
        match self.get_nonempty(name) {
            None => Vec::new(),
            Some(v) => {
                let t = v.trim();
                if t.starts_with('[') {
                    if let Ok(items) = serde_json::from_str::<Vec<serde_json::Value>>(t) {
                        return items
                            .into_iter()
                            .map(|i| match i {
                                serde_json::Value::String(s) => s,
                                other => other.to_string(),
                            })
                            .collect();
                    }
                }
                t.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            }
        }
    }

    /// A `repeatList` of objects: `Name.1.Key=...`, `Name.1.Value=...`.
    pub fn objects(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let mut by_index: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix(name).and_then(|r| r.strip_prefix('.')) else {
                continue;
            };
            let Some((idx, member)) = rest.split_once('.') else {
                continue;
            };
            let Ok(idx) = idx.parse::<usize>() else {
                continue;
            };
            by_index
                .entry(idx)
                .or_default()
                .insert(member.to_owned(), v.clone());
        }
        by_index.into_values().collect()
    }

    /// Page number and size (1-based number; size clamped to 1..=`max`).
    pub fn page(&self, default_size: i64, max: i64) -> Result<(usize, usize), ApiError> {
        let number = self.get_i64("PageNumber")?.unwrap_or(1);
        let size = self.get_i64("PageSize")?.unwrap_or(default_size);
        if number < 1 {
            return Err(ApiError::invalid("PageNumber", "must be at least 1"));
        }
        if size < 1 || size > max {
            return Err(ApiError::invalid(
                "PageSize",
                format!("must be between 1 and {max}"),
            ));
        }
        Ok((
            usize::try_from(number).unwrap_or(1),
            usize::try_from(size).unwrap_or(10),
        ))
    }
}

/// Parses `true`/`false` (any case).
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Slices `items` to one page (1-based `number`).
pub(crate) fn page_of<T: Clone>(items: &[T], number: usize, size: usize) -> Vec<T> {
    let start = number.saturating_sub(1).saturating_mul(size);
    items.iter().skip(start).take(size).cloned().collect()
}

/// Offset-token pagination: `NextToken` is the decimal offset of the next
/// item. Returns the page and the next token (empty when done).
pub(crate) fn token_page<T: Clone>(
    items: &[T],
    token: Option<&str>,
    max: usize,
) -> Result<(Vec<T>, String), ApiError> {
    let offset = match token.filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| ApiError::invalid("NextToken", "is not a token this API returned"))?,
    };
    let page: Vec<T> = items.iter().skip(offset).take(max).cloned().collect();
    let next = if offset + page.len() < items.len() {
        (offset + page.len()).to_string()
    } else {
        String::new()
    };
    Ok((page, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::new(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn lists_in_every_encoding() {
        assert_eq!(p(&[("Id.2", "b"), ("Id.1", "a")]).list("Id"), ["a", "b"]);
        assert_eq!(p(&[("Id", r#"["a","b"]"#)]).list("Id"), ["a", "b"]);
        assert_eq!(p(&[("Id", "a, b")]).list("Id"), ["a", "b"]);
        assert!(p(&[("Other.1", "x")]).list("Id").is_empty());
    }

    #[test]
    fn objects_and_flat() {
        let params = p(&[
            ("Tag.1.Key", "k1"),
            ("Tag.1.Value", "v1"),
            ("Tag.2.Key", "k2"),
        ]);
        let tags = params.objects("Tag");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0]["Value"], "v1");
        assert!(params.has_prefix("Tag"));
        assert!(!params.has_prefix("Ta"));
    }

    #[test]
    fn token_pages() {
        let items: Vec<u32> = (0..5).collect();
        let (page, next) = token_page(&items, None, 2).unwrap();
        assert_eq!((page, next.as_str()), (vec![0, 1], "2"));
        let (page, next) = token_page(&items, Some("4"), 2).unwrap();
        assert_eq!((page, next.as_str()), (vec![4], ""));
        assert!(token_page(&items, Some("x"), 2).is_err());
    }
}
