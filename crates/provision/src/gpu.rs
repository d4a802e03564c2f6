//! GPU models and the aliases they go by (`A10` vs `NVIDIA A10`).

use std::fmt;
use std::str::FromStr;

/// A GPU model, normalized so that API spellings and what people type agree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GpuModel {
    /// NVIDIA T4.
    T4,
    /// NVIDIA A10.
    A10,
    /// NVIDIA V100.
    V100,
    /// NVIDIA A100.
    A100,
    /// NVIDIA A800.
    A800,
    /// NVIDIA H100.
    H100,
    /// NVIDIA H800.
    H800,
    /// NVIDIA H20.
    H20,
    /// NVIDIA L20.
    L20,
    /// NVIDIA P100.
    P100,
    /// Any other model, normalized (upper case, vendor prefix removed).
    Other(String),
}

impl GpuModel {
    /// The canonical short name (`A10`).
    pub fn name(&self) -> &str {
        match self {
            GpuModel::T4 => "T4",
            GpuModel::A10 => "A10",
            GpuModel::V100 => "V100",
            GpuModel::A100 => "A100",
            GpuModel::A800 => "A800",
            GpuModel::H100 => "H100",
            GpuModel::H800 => "H800",
            GpuModel::H20 => "H20",
            GpuModel::L20 => "L20",
            GpuModel::P100 => "P100",
            GpuModel::Other(s) => s,
        }
    }

    /// Parses what the API reports (`NVIDIA A10`, `NVIDIA Tesla V100-SXM2-16GB`,
    /// `nvidia_a100`) or what a person types (`a10`). Never fails: unknown
    /// names become [`GpuModel::Other`].
    pub fn normalize(text: &str) -> GpuModel {
        let upper = text.trim().to_ascii_uppercase().replace(['_', '-'], " ");
        let mut words: Vec<&str> = upper.split_whitespace().collect();
        words.retain(|w| !matches!(*w, "NVIDIA" | "TESLA" | "GPU"));
        let Some(first) = words.first().copied() else {
            return GpuModel::Other(String::new());
        };
        match first {
            "T4" => GpuModel::T4,
            "A10" => GpuModel::A10,
            "V100" => GpuModel::V100,
            "A100" => GpuModel::A100,
            "A800" => GpuModel::A800,
            "H100" => GpuModel::H100,
            "H800" => GpuModel::H800,
            "H20" => GpuModel::H20,
            "L20" => GpuModel::L20,
            "P100" => GpuModel::P100,
            other => GpuModel::Other(other.to_owned()),
        }
    }

    /// Whether an API-reported model string is this model.
    pub fn matches(&self, reported: &str) -> bool {
        GpuModel::normalize(reported) == *self
    }
}

impl fmt::Display for GpuModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for GpuModel {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(GpuModel::normalize(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p4_aliases_match_api_spellings() {
        assert!(GpuModel::A10.matches("NVIDIA A10"));
        assert!(GpuModel::V100.matches("NVIDIA Tesla V100-SXM2-16GB"));
        assert!(GpuModel::A100.matches("nvidia_a100"));
        assert!(!GpuModel::A10.matches("NVIDIA A100"));
        assert_eq!(GpuModel::normalize("h800"), GpuModel::H800);
        assert_eq!(
            GpuModel::normalize("NVIDIA B200"),
            GpuModel::Other("B200".into())
        );
    }
}
