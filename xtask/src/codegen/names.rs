//! Turning wire names into Rust names, deterministically.

/// Rust keywords (strict, reserved and weak ones that cannot be plain
/// identifiers in some position) that a snake_case name may hit.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names generated code must not define: they are imported or come
/// from the prelude in every generated module.
pub const RESERVED_TYPES: &[&str] = &[
    "Self",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Copy",
    "Into",
    "From",
    "Iterator",
    "IntoIterator",
    "ToString",
    "Fn",
    "FnMut",
    "FnOnce",
    "Drop",
    "Error",
    "Request",
    "CallOptions",
    "OperationMeta",
    "ServiceClient",
    "Client",
    "Value",
    "BTreeMap",
    "Paginator",
    "Page",
    "PagedRequest",
    "Paging",
    "PageCursor",
    "Deserialize",
    "Deserializer",
    "Serialize",
    "Serializer",
    "MapAccess",
    "SerializeMap",
    "ReadFields",
    "WriteFields",
    "StringEnum",
    "UntypedOutput",
    "TextOutput",
    "BytesOutput",
];

/// Splits a wire name into lowercase words: `InstanceTypeIds` →
/// `instance type ids`, `GPUAmount` → `gpu amount`, `x-fc-log-type` →
/// `x fc log type`, `Ipv6Address` → `ipv6 address`.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            // `CIDRs`, `IPs`: a plural `s` after an acronym stays with it.
            let plural_s =
                next == Some('s') && !chars.get(i + 2).is_some_and(|n| n.is_ascii_lowercase());
            let next_lower = next.is_some_and(|n| n.is_ascii_lowercase()) && !plural_s;
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower);
            if boundary {
                words.push(std::mem::take(&mut current));
            }
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `snake_case` of a wire name (not yet checked against keywords).
pub fn snake(name: &str) -> String {
    let w = words(name);
    if w.is_empty() {
        return "value".to_owned();
    }
    w.join("_")
}

/// A field or method identifier for a wire name: snake_case; a keyword gets
/// a trailing `_` (`type` → `type_`), a leading digit a leading `n`.
pub fn field_ident(name: &str) -> String {
    let mut s = snake(name);
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// `PascalCase` of a wire name.
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// The singular of an English plural in PascalCase or snake_case, by simple
/// suffix rules (`Instances` → `Instance`, `Policies` → `Policy`,
/// `Addresses` → `Address`); `None` when the name does not look plural.
pub fn singular(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let strip = |n: usize| name[..name.len() - n].to_owned();
    if lower.ends_with("ies") && lower.len() > 4 {
        let mut s = strip(3);
        s.push(if name.ends_with("IES") { 'Y' } else { 'y' });
        return Some(s);
    }
    for suffix in ["sses", "shes", "ches", "xes", "uses", "zes"] {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            return Some(strip(2));
        }
    }
    if lower.ends_with("aliases") {
        return Some(strip(2));
    }
    if lower.ends_with('s')
        && !lower.ends_with("ss")
        && !lower.ends_with("us")
        && !lower.ends_with("is")
        && lower.len() > 2
    {
        return Some(strip(1));
    }
    None
}

/// The PascalCase name of one item of a list named `name`: the singular, or
/// the name itself when it does not look plural (RPC lists have singular
/// names: `Tag`, `DataDisk`).
pub fn item_type_name(name: &str) -> String {
    match singular(name) {
        Some(s) => pascal(&s),
        None => pascal(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_of_wire_names() {
        for (wire, rust) in [
            ("InstanceTypeIds", "instance_type_ids"),
            ("VSwitchId", "v_switch_id"),
            ("GPUAmount", "gpu_amount"),
            ("ExtendedCIDRs", "extended_cidrs"),
            ("x-fc-log-type", "x_fc_log_type"),
            ("Ipv6Address", "ipv6_address"),
            ("SystemDisk.Category", "system_disk_category"),
            ("cluster_id", "cluster_id"),
            ("ISP", "isp"),
            ("nextToken", "next_token"),
            ("HTTPSEnabled", "https_enabled"),
        ] {
            assert_eq!(snake(wire), rust, "{wire}");
        }
    }

    #[test]
    fn keywords_and_digits_are_sanitized() {
        assert_eq!(field_ident("Type"), "type_");
        assert_eq!(field_ident("match"), "match_");
        assert_eq!(field_ident("Async"), "async_");
        assert_eq!(field_ident("1stValue"), "n1st_value");
    }

    #[test]
    fn pascal_and_singular() {
        assert_eq!(pascal("cpu_options"), "CpuOptions");
        assert_eq!(pascal("zh-CN"), "ZhCn");
        assert_eq!(pascal("60"), "V60");
        assert_eq!(item_type_name("Instances"), "Instance");
        assert_eq!(item_type_name("Policies"), "Policy");
        assert_eq!(item_type_name("IpAddresses"), "IpAddress");
        assert_eq!(item_type_name("Statuses"), "Status");
        assert_eq!(item_type_name("Aliases"), "Alias");
        assert_eq!(item_type_name("Data"), "Data");
        assert_eq!(item_type_name("job_specs"), "JobSpec");
    }
}
