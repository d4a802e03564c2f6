//! The nine product APIs the emulator serves.

use std::fmt;
use std::str::FromStr;

/// A product API served by the emulator.
///
/// All products share one listening port: requests are told apart by the
/// `x-acs-version` header (each product has its own API version) and, for
/// ROA/FC products, by method and path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Product {
    /// Elastic Compute Service (`Ecs`, 2014-05-26, RPC).
    Ecs,
    /// Virtual Private Cloud (`Vpc`, 2016-04-28, RPC).
    Vpc,
    /// Function Compute 3.0 (`FC`, 2023-03-30, ROA with versioned paths).
    Fc,
    /// Container Service for Kubernetes (`CS`, 2015-12-15, ROA).
    Cs,
    /// PAI Deep Learning Containers (`pai-dlc`, 2020-12-03, ROA).
    PaiDlc,
    /// PAI Elastic Algorithm Service (`eas`, 2021-07-01, ROA).
    Eas,
    /// PAI AI Workspace (`AIWorkSpace`, 2021-02-04, ROA).
    AiWorkspace,
    /// SysOM (`SysOM`, 2023-12-30, ROA).
    Sysom,
    /// Billing (`BssOpenApi`, 2017-12-14, RPC).
    Bss,
}

/// How error bodies of a product are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorStyle {
    /// `{"RequestId","HostId","Code","Message","Recommend"}`.
    Rpc,
    /// `{"RequestId","Code","Message"}` (PAI products, FC).
    Pascal,
    /// `{"code","message","requestId"}` (ACK).
    Camel,
    /// `{"code","message","request_id"}` (SysOM).
    Snake,
}

impl Product {
    /// Every product, in a fixed order.
    pub const ALL: [Product; 9] = [
        Product::Ecs,
        Product::Vpc,
        Product::Fc,
        Product::Cs,
        Product::PaiDlc,
        Product::Eas,
        Product::AiWorkspace,
        Product::Sysom,
        Product::Bss,
    ];

    /// The product code as the API spells it (`Ecs`, `pai-dlc`, `CS`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Product::Ecs => "Ecs",
            Product::Vpc => "Vpc",
            Product::Fc => "FC",
            Product::Cs => "CS",
            Product::PaiDlc => "pai-dlc",
            Product::Eas => "eas",
            Product::AiWorkspace => "AIWorkSpace",
            Product::Sysom => "SysOM",
            Product::Bss => "BssOpenApi",
        }
    }

    /// The API version sent as `x-acs-version`.
    pub fn version(self) -> &'static str {
        match self {
            Product::Ecs => "2014-05-26",
            Product::Vpc => "2016-04-28",
            Product::Fc => "2023-03-30",
            Product::Cs => "2015-12-15",
            Product::PaiDlc => "2020-12-03",
            Product::Eas => "2021-07-01",
            Product::AiWorkspace => "2021-02-04",
            Product::Sysom => "2023-12-30",
            Product::Bss => "2017-12-14",
        }
    }

    /// The name of the workspace crate (and spec file) of the product.
    pub fn crate_name(self) -> &'static str {
        match self {
            Product::Ecs => "ecs",
            Product::Vpc => "vpc",
            Product::Fc => "fc",
            Product::Cs => "ack",
            Product::PaiDlc => "pai-dlc",
            Product::Eas => "eas",
            Product::AiWorkspace => "aiworkspace",
            Product::Sysom => "sysom",
            Product::Bss => "bss",
        }
    }

    /// Whether the product uses the RPC style (everything on `/`).
    pub fn is_rpc(self) -> bool {
        matches!(self, Product::Ecs | Product::Vpc | Product::Bss)
    }

    /// The product whose API version is `version`.
    pub fn from_version(version: &str) -> Option<Product> {
        Product::ALL.into_iter().find(|p| p.version() == version)
    }

    pub(crate) fn error_style(self) -> ErrorStyle {
        match self {
            Product::Ecs | Product::Vpc | Product::Bss => ErrorStyle::Rpc,
            Product::PaiDlc | Product::Eas | Product::AiWorkspace | Product::Fc => {
                ErrorStyle::Pascal
            }
            Product::Cs => ErrorStyle::Camel,
            Product::Sysom => ErrorStyle::Snake,
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The text did not name a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProduct(pub String);

impl fmt::Display for UnknownProduct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a product (use a product code such as Ecs, pai-dlc, CS or a crate name such as ecs, ack)",
            self.0
        )
    }
}

impl std::error::Error for UnknownProduct {}

impl FromStr for Product {
    type Err = UnknownProduct;

    /// Accepts the product code, the crate name or the version, ignoring case
    /// (`Ecs`, `ecs`, `CS`, `ack`, `pai-dlc`, `dlc`, `2014-05-26`, ...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        for p in Product::ALL {
            if t.eq_ignore_ascii_case(p.code())
                || t.eq_ignore_ascii_case(p.crate_name())
                || t == p.version()
            {
                return Ok(p);
            }
        }
        match t.to_ascii_lowercase().as_str() {
            "dlc" | "paidlc" => Ok(Product::PaiDlc),
            "pai-eas" => Ok(Product::Eas),
            "business" | "bssopenapi" => Ok(Product::Bss),
            "fc3" | "fc-open" => Ok(Product::Fc),
            _ => Err(UnknownProduct(t.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_unique() {
        for a in Product::ALL {
            assert_eq!(Product::from_version(a.version()), Some(a));
        }
    }

    #[test]
    fn parses_codes_and_crate_names() {
        assert_eq!("ecs".parse::<Product>().unwrap(), Product::Ecs);
        assert_eq!("ACK".parse::<Product>().unwrap(), Product::Cs);
        assert_eq!("pai-dlc".parse::<Product>().unwrap(), Product::PaiDlc);
        assert_eq!(
            "AIWorkSpace".parse::<Product>().unwrap(),
            Product::AiWorkspace
        );
        assert!("nope".parse::<Product>().is_err());
    }
}
