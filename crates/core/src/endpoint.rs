//! Which host serves a product in a region.
//!
//! Resolution order: an explicit endpoint override (always wins; any scheme
//! and port, so `http://127.0.0.1:8080` works) → the product's published
//! table (region → host, emitted by the code generator from the specs) → the
//! product's rule (`<prefix>.<region>.aliyuncs.com`, a central host, the FC
//! 3.0 account endpoint, ...).

use url::Url;

use crate::error::Error;
use crate::request::ApiStyle;

/// Static description of a product API, emitted by the code generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceInfo {
    /// Product code as the API names it (`Ecs`, `pai-dlc`, `CS`, ...).
    pub product: &'static str,
    /// API version (`2014-05-26`).
    pub version: &'static str,
    /// Wire style.
    pub style: ApiStyle,
    /// Host prefix of the default rule (`ecs` in `ecs.<region>.aliyuncs.com`).
    pub endpoint_prefix: &'static str,
    /// Published region → host table, sorted by region.
    pub endpoints: &'static [(&'static str, &'static str)],
    /// What to do for a region the table does not list.
    pub rule: EndpointRule,
}

/// How to build a host for a region the table does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointRule {
    /// `<prefix>.<region>.aliyuncs.com`.
    Regional,
    /// One host for every region (for example SysOM).
    Central(&'static str),
    /// One host for Chinese regions (`cn-*`), another for the rest (BSS).
    ChinaOrInternational {
        /// Host for `cn-*` regions.
        china: &'static str,
        /// Host for every other region.
        international: &'static str,
    },
    /// Function Compute 3.0: `<accountId>.<region>.fc.aliyuncs.com` when the
    /// account id is known, else the table or `<prefix>.<region>.aliyuncs.com`.
    FcAccount,
}

/// A resolved endpoint: the base URL requests go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
    host_header: String,
}

impl Endpoint {
    /// Parses an endpoint given as a URL (`http://127.0.0.1:8080`) or a bare
    /// host (`ecs.cn-hangzhou.aliyuncs.com`, taken as https).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        let with_scheme = if text.contains("://") {
            text.to_owned()
        } else {
            format!("https://{text}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|e| Error::validation("endpoint", format!("`{text}` is not a URL: {e}")))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::validation(
                "endpoint",
                format!("scheme `{}` is not http or https", url.scheme()),
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| Error::validation("endpoint", format!("`{text}` has no host")))?;
        let host_header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Self { url, host_header })
    }

    /// The base URL (scheme, host, port).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `host` header value (with the port when it is not the default).
    pub fn host_header(&self) -> &str {
        &self.host_header
    }

    /// `scheme://host[:port]` without a trailing slash.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.url.scheme(), self.host_header)
    }
}

/// Regions are lowercase letters, digits and dashes.
fn validate_region(region: &str) -> Result<(), Error> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "RegionId",
            format!("`{region}` is not a region id (like cn-hangzhou)"),
        ))
    }
}

/// Resolves the endpoint of `service` in `region`.
pub fn resolve(
    service: &ServiceInfo,
    region: &str,
    account_id: Option<&str>,
    endpoint_override: Option<&str>,
) -> Result<Endpoint, Error> {
    if let Some(text) = endpoint_override {
        return Endpoint::parse(text);
    }
    validate_region(region)?;
    if let (EndpointRule::FcAccount, Some(account)) = (service.rule, account_id) {
        if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::validation(
                "AccountId",
                "must be the numeric Alibaba Cloud account id",
            ));
        }
        return Endpoint::parse(&format!("{account}.{region}.fc.aliyuncs.com"));
    }
    if let Ok(i) = service
        .endpoints
        .binary_search_by(|(r, _)| (*r).cmp(region))
    {
        return Endpoint::parse(service.endpoints[i].1);
    }
    let host = match service.rule {
        EndpointRule::Regional | EndpointRule::FcAccount => {
            format!("{}.{region}.aliyuncs.com", service.endpoint_prefix)
        }
        EndpointRule::Central(host) => host.to_owned(),
        EndpointRule::ChinaOrInternational {
            china,
            international,
        } => {
            if region.starts_with("cn-") {
                china.to_owned()
            } else {
                international.to_owned()
            }
        }
    };
    Endpoint::parse(&host)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ECS: ServiceInfo = ServiceInfo {
        product: "Ecs",
        version: "2014-05-26",
        style: ApiStyle::Rpc,
        endpoint_prefix: "ecs",
        endpoints: &[
            ("cn-beijing", "ecs.cn-beijing.aliyuncs.com"),
            ("cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"),
        ],
        rule: EndpointRule::Regional,
    };

    #[test]
    fn table_wins_over_the_pattern() {
        let e = resolve(&ECS, "cn-hangzhou", None, None).unwrap();
        assert_eq!(e.host_header(), "ecs-cn-hangzhou.aliyuncs.com");
        assert_eq!(e.url().scheme(), "https");
    }

    #[test]
    fn unknown_region_uses_the_pattern() {
        let e = resolve(&ECS, "me-east-1", None, None).unwrap();
        assert_eq!(e.host_header(), "ecs.me-east-1.aliyuncs.com");
    }

    #[test]
    fn override_wins_with_any_scheme_and_port() {
        let e = resolve(&ECS, "cn-hangzhou", None, Some("http://127.0.0.1:8080")).unwrap();
        assert_eq!(e.origin(), "http://127.0.0.1:8080");
        assert_eq!(e.host_header(), "127.0.0.1:8080");
        let e = resolve(&ECS, "cn-hangzhou", None, Some("ecs.example.internal")).unwrap();
        assert_eq!(e.origin(), "https://ecs.example.internal");
    }

    #[test]
    fn bad_override_and_region_are_validation_errors() {
        assert!(matches!(
            resolve(&ECS, "cn-hangzhou", None, Some("ftp://x")),
            Err(Error::Validation { .. })
        ));
        assert!(matches!(
            resolve(&ECS, "cn hangzhou/../", None, None),
            Err(Error::Validation { ref param, .. }) if param == "RegionId"
        ));
    }

    #[test]
    fn fc_account_endpoint() {
        const FC: ServiceInfo = ServiceInfo {
            product: "FC",
            version: "2023-03-30",
            style: ApiStyle::Roa,
            endpoint_prefix: "fcv3",
            endpoints: &[("cn-hangzhou", "fcv3.cn-hangzhou.aliyuncs.com")],
            rule: EndpointRule::FcAccount,
        };
        let e = resolve(&FC, "cn-shanghai", Some("1234567890"), None).unwrap();
        assert_eq!(e.host_header(), "1234567890.cn-shanghai.fc.aliyuncs.com");
        let e = resolve(&FC, "cn-hangzhou", None, None).unwrap();
        assert_eq!(e.host_header(), "fcv3.cn-hangzhou.aliyuncs.com");
        assert!(resolve(&FC, "cn-hangzhou", Some("12ab"), None).is_err());
    }

    #[test]
    fn central_and_china_or_international_rules() {
        const BSS: ServiceInfo = ServiceInfo {
            product: "BssOpenApi",
            version: "2017-12-14",
            style: ApiStyle::Rpc,
            endpoint_prefix: "business",
            endpoints: &[],
            rule: EndpointRule::ChinaOrInternational {
                china: "business.aliyuncs.com",
                international: "business.ap-southeast-1.aliyuncs.com",
            },
        };
        assert_eq!(
            resolve(&BSS, "cn-shenzhen", None, None)
                .unwrap()
                .host_header(),
            "business.aliyuncs.com"
        );
        assert_eq!(
            resolve(&BSS, "eu-central-1", None, None)
                .unwrap()
                .host_header(),
            "business.ap-southeast-1.aliyuncs.com"
        );
        const SYSOM: ServiceInfo = ServiceInfo {
            product: "SysOM",
            version: "2023-12-30",
            style: ApiStyle::Roa,
            endpoint_prefix: "sysom",
            endpoints: &[],
            rule: EndpointRule::Central("sysom.cn-hangzhou.aliyuncs.com"),
        };
        assert_eq!(
            resolve(&SYSOM, "cn-beijing", None, None)
                .unwrap()
                .host_header(),
            "sysom.cn-hangzhou.aliyuncs.com"
        );
    }
}
