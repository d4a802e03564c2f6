//! What the caller needs (P1): task kind, CPU, memory, GPU, budget,
//! duration, script, and optionally a locked product and region.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::gpu::GpuModel;
use crate::money::{Currency, Money};
use crate::product::Product;

/// The kind of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskKind {
    /// A script that runs once and exits.
    #[default]
    OneShot,
    /// A long-running service that must keep running.
    Service,
    /// Model training.
    Training,
}

/// Where the script comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    /// A file on this machine.
    Path(PathBuf),
    /// The script's text.
    Inline(String),
}

/// GPUs wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuRequirement {
    /// Model, or `None` for any.
    pub model: Option<GpuModel>,
    /// How many (at least 1).
    pub count: u32,
}

/// Everything the provisioning flow needs to know. Build it with
/// [`Requirements::builder`] or parse a compact spec:
///
/// ```
/// use alibabacloud_provision::Requirements;
/// let r: Requirements = "8 vCPU 32 GiB 1x A10 budget 50 CNY for 3h".parse().unwrap();
/// assert_eq!(r.vcpu(), Some(8));
/// assert_eq!(r.gpu().unwrap().count, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Requirements {
    task: TaskKind,
    vcpu: Option<u32>,
    memory_gib: Option<f64>,
    gpu: Option<GpuRequirement>,
    budget: Option<Money>,
    duration: Option<Duration>,
    script: Option<Script>,
    product: Option<Product>,
    region: Option<String>,
    kubernetes: bool,
    public_ip: bool,
}

impl Requirements {
    /// A builder.
    pub fn builder() -> RequirementsBuilder {
        RequirementsBuilder::default()
    }

    /// Task kind.
    pub fn task(&self) -> TaskKind {
        self.task
    }
    /// Minimum vCPUs.
    pub fn vcpu(&self) -> Option<u32> {
        self.vcpu
    }
    /// Minimum memory in GiB.
    pub fn memory_gib(&self) -> Option<f64> {
        self.memory_gib
    }
    /// GPUs.
    pub fn gpu(&self) -> Option<&GpuRequirement> {
        self.gpu.as_ref()
    }
    /// Budget for the whole run.
    pub fn budget(&self) -> Option<Money> {
        self.budget
    }
    /// Expected run time.
    pub fn duration(&self) -> Option<Duration> {
        self.duration
    }
    /// The script.
    pub fn script(&self) -> Option<&Script> {
        self.script.as_ref()
    }
    /// A product the caller named (locked, P2).
    pub fn product(&self) -> Option<Product> {
        self.product
    }
    /// A region the caller named (wins, P3).
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    /// Whether the caller asked for Kubernetes.
    pub fn kubernetes(&self) -> bool {
        self.kubernetes
    }
    /// Whether a public IP is wanted (opens SSH in the security group, P7).
    pub fn public_ip(&self) -> bool {
        self.public_ip
    }
}

/// Builds [`Requirements`], checking each value.
#[derive(Debug, Clone, Default)]
pub struct RequirementsBuilder {
    inner: Requirements,
    error: Option<RequirementsError>,
}

impl RequirementsBuilder {
    fn fail(mut self, e: RequirementsError) -> Self {
        self.error.get_or_insert(e);
        self
    }

    /// Task kind.
    pub fn task(mut self, task: TaskKind) -> Self {
        self.inner.task = task;
        self
    }
    /// Minimum vCPUs (at least 1).
    pub fn vcpu(mut self, vcpu: u32) -> Self {
        if vcpu == 0 {
            return self.fail(RequirementsError::OutOfRange {
                what: "vCPU",
                value: "0".into(),
            });
        }
        self.inner.vcpu = Some(vcpu);
        self
    }
    /// Minimum memory in GiB (positive).
    pub fn memory_gib(mut self, gib: f64) -> Self {
        if !(gib.is_finite() && gib > 0.0) {
            return self.fail(RequirementsError::OutOfRange {
                what: "memory",
                value: gib.to_string(),
            });
        }
        self.inner.memory_gib = Some(gib);
        self
    }
    /// GPUs: `count` of `model` (`None` for any model).
    pub fn gpu(mut self, model: Option<GpuModel>, count: u32) -> Self {
        if count == 0 {
            return self.fail(RequirementsError::OutOfRange {
                what: "GPU count",
                value: "0".into(),
            });
        }
        self.inner.gpu = Some(GpuRequirement { model, count });
        self
    }
    /// Budget for the whole run (positive).
    pub fn budget(mut self, budget: Money) -> Self {
        if !(budget.amount.is_finite() && budget.amount > 0.0) {
            return self.fail(RequirementsError::OutOfRange {
                what: "budget",
                value: budget.to_string(),
            });
        }
        self.inner.budget = Some(budget);
        self
    }
    /// Expected run time (positive).
    pub fn duration(mut self, duration: Duration) -> Self {
        if duration.is_zero() {
            return self.fail(RequirementsError::OutOfRange {
                what: "duration",
                value: "0".into(),
            });
        }
        self.inner.duration = Some(duration);
        self
    }
    /// The script.
    pub fn script(mut self, script: Script) -> Self {
        self.inner.script = Some(script);
        self
    }
    /// Locks the product (P2).
    pub fn product(mut self, product: Product) -> Self {
        self.inner.product = Some(product);
        self
    }
    /// Fixes the region (P3).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        let region = region.into();
        if !is_region_id(&region) {
            return self.fail(RequirementsError::BadRegion(region));
        }
        self.inner.region = Some(region);
        self
    }
    /// Asks for Kubernetes.
    pub fn kubernetes(mut self, yes: bool) -> Self {
        self.inner.kubernetes = yes;
        self
    }
    /// Asks for a public IP.
    pub fn public_ip(mut self, yes: bool) -> Self {
        self.inner.public_ip = yes;
        self
    }
    /// The requirements, or the first problem found.
    pub fn build(self) -> Result<Requirements, RequirementsError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.inner),
        }
    }
}

fn is_region_id(s: &str) -> bool {
    s.contains('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Why requirements could not be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequirementsError {
    /// A word the parser does not understand.
    #[error(
        "cannot read `{token}` in the requirements (expected e.g. `8 vCPU`, `32 GiB`, `1x A10`, `budget 50 CNY`, `for 3h`, `product=ecs`, `region=cn-hangzhou`, `training`)"
    )]
    UnknownToken {
        /// The word.
        token: String,
    },
    /// A keyword without the value it needs.
    #[error("`{keyword}` needs a value: {expected}")]
    MissingValue {
        /// The keyword.
        keyword: String,
        /// What should follow.
        expected: &'static str,
    },
    /// A value that is not a valid number here.
    #[error("{what} must be a positive number, got `{value}`")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// What was given.
        value: String,
    },
    /// An unknown currency.
    #[error(transparent)]
    Currency(#[from] crate::money::UnknownCurrency),
    /// An unknown product.
    #[error(transparent)]
    Product(#[from] crate::product::UnknownProduct),
    /// Not a region id.
    #[error("`{0}` is not a region id (like cn-hangzhou or ap-southeast-1)")]
    BadRegion(String),
    /// The same thing given twice with different values.
    #[error("{0} is given twice")]
    Duplicate(&'static str),
}

/// Splits `key=value` and glued units (`8vCPU`, `32GiB`, `$40`, `3h` stays) into words.
fn tokenize(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in input.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        if raw.is_empty() {
            continue;
        }
        match raw.split_once('=') {
            Some((k, v)) => {
                out.push(k.to_owned());
                if !v.is_empty() {
                    out.push(v.to_owned());
                }
            }
            None => out.push(raw.to_owned()),
        }
    }
    out
}

/// `"40"` → 40.0, `"$40"` → (40.0, USD), `"40USD"`, `"¥50"`.
fn number_with_currency(token: &str) -> Option<(f64, Option<Currency>)> {
    let (prefix, rest) = if let Some(r) = token.strip_prefix('$') {
        (Some(Currency::Usd), r)
    } else if let Some(r) = token.strip_prefix('¥') {
        (Some(Currency::Cny), r)
    } else {
        (None, token)
    };
    let digits_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let number: f64 = rest[..digits_end].parse().ok()?;
    let suffix = &rest[digits_end..];
    let currency = if suffix.is_empty() {
        prefix
    } else {
        Some(suffix.parse::<Currency>().ok()?)
    };
    Some((number, currency))
}

/// `3h`, `90m`, `45s`, `1.5h`, `2d`.
fn parse_duration(token: &str) -> Option<Duration> {
    let lower = token.to_ascii_lowercase();
    let (num, unit) = lower.split_at(lower.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "s" | "sec" | "secs" | "second" | "seconds" => n,
        "m" | "min" | "mins" | "minute" | "minutes" => n * 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => n * 3600.0,
        "d" | "day" | "days" => n * 86400.0,
        _ => return None,
    };
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

fn is_gpu_model_word(word: &str) -> bool {
    !matches!(GpuModel::normalize(word), GpuModel::Other(_))
}

/// `A10x2`, `2xA10`, `A10*2` → (model, count).
fn gpu_combo(token: &str) -> Option<(GpuModel, u32)> {
    let lower = token.to_ascii_lowercase();
    for sep in ['x', '*'] {
        if let Some((a, b)) = lower.split_once(sep) {
            if let (Ok(n), true) = (a.parse::<u32>(), is_gpu_model_word(b)) {
                return Some((GpuModel::normalize(b), n));
            }
            if let (true, Ok(n)) = (is_gpu_model_word(a), b.parse::<u32>()) {
                return Some((GpuModel::normalize(a), n));
            }
        }
    }
    None
}

fn memory_unit(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "gib" | "gb" | "g" | "gi" | "mem" | "memory"
    )
}

fn cpu_unit(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "vcpu" | "vcpus" | "cpu" | "cpus" | "core" | "cores" | "c"
    )
}

impl FromStr for Requirements {
    type Err = RequirementsError;

    /// Parses a compact spec. Words are separated by spaces or commas;
    /// `key=value` works for every keyword. Understood:
    /// `8 vCPU`, `8vcpu`, `cpu=8`; `32 GiB`, `32GB`, `mem=32`; `1x A10`,
    /// `A10x2`, `2 A100`, `gpu=A100x2`, `gpu=1`; `budget 50 CNY`,
    /// `budget=$40`, `budget 40 USD`; `for 3h`, `duration=90m`;
    /// `product=ecs`, `on fc`; `region=cn-hangzhou`, `in ap-southeast-1`;
    /// `training`, `service`, `one-shot`; `k8s`; `public-ip`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let tokens = tokenize(s);
        let mut b = Requirements::builder();
        let mut seen_budget = false;
        let mut i = 0;
        let next = |i: usize, keyword: &str, expected: &'static str| {
            tokens
                .get(i + 1)
                .cloned()
                .ok_or_else(|| RequirementsError::MissingValue {
                    keyword: keyword.to_owned(),
                    expected,
                })
        };
        while i < tokens.len() {
            let tok = tokens[i].as_str();
            let lower = tok.to_ascii_lowercase();
            let peek = tokens.get(i + 1).map(String::as_str);
            match lower.as_str() {
                "training" | "train" => b = b.task(TaskKind::Training),
                "service" | "long-running" | "longrunning" | "server" => {
                    b = b.task(TaskKind::Service)
                }
                "one-shot" | "oneshot" | "once" | "batch" => b = b.task(TaskKind::OneShot),
                "k8s" | "kubernetes" => b = b.kubernetes(true),
                "public-ip" | "publicip" => b = b.public_ip(true),
                "cpu" | "vcpu" | "cpus" | "vcpus" => {
                    let v = next(i, tok, "a vCPU count")?;
                    b = b.vcpu(parse_count(&v, "vCPU")?);
                    i += 1;
                }
                "mem" | "memory" => {
                    let v = next(i, tok, "a size in GiB")?;
                    let gib = v.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                    b = b.memory_gib(parse_positive(gib, "memory")?);
                    i += 1;
                }
                "gpu" | "gpus" => {
                    let v = next(i, tok, "a GPU count or model like A10x2")?;
                    if let Some((m, n)) = gpu_combo(&v) {
                        b = b.gpu(Some(m), n);
                    } else if let Ok(n) = v.parse::<u32>() {
                        b = b.gpu(None, n);
                    } else if is_gpu_model_word(&v) {
                        b = b.gpu(Some(GpuModel::normalize(&v)), 1);
                    } else {
                        return Err(RequirementsError::UnknownToken { token: v });
                    }
                    i += 1;
                }
                "budget" => {
                    if seen_budget {
                        return Err(RequirementsError::Duplicate("budget"));
                    }
                    seen_budget = true;
                    let v = next(i, tok, "an amount like 50 CNY or $40")?;
                    let (amount, cur) =
                        number_with_currency(&v).ok_or_else(|| RequirementsError::OutOfRange {
                            what: "budget",
                            value: v.clone(),
                        })?;
                    i += 1;
                    let currency = match cur {
                        Some(c) => c,
                        None => match tokens.get(i + 1).map(|t| t.parse::<Currency>()) {
                            Some(Ok(c)) => {
                                i += 1;
                                c
                            }
                            _ => Currency::Cny,
                        },
                    };
                    b = b.budget(Money { amount, currency });
                }
                "for" | "duration" | "time" => {
                    let v = next(i, tok, "a duration like 3h or 90m")?;
                    let d = parse_duration(&v).ok_or(RequirementsError::OutOfRange {
                        what: "duration",
                        value: v.clone(),
                    })?;
                    b = b.duration(d);
                    i += 1;
                }
                "product" | "on" | "use" => {
                    let v = next(i, tok, "ecs, fc, ack or pai")?;
                    b = b.product(v.parse()?);
                    i += 1;
                }
                "region" | "in" => {
                    let v = next(i, tok, "a region id like cn-hangzhou")?;
                    b = b.region(v);
                    i += 1;
                }
                _ => {
                    // Numbers followed by a unit word, or glued to it.
                    if let Ok(n) = lower.parse::<f64>() {
                        match peek {
                            Some(u) if cpu_unit(u) => b = b.vcpu(parse_count(tok, "vCPU")?),
                            Some(u) if memory_unit(u) => {
                                b = b.memory_gib(parse_positive(tok, "memory")?)
                            }
                            Some(u) if is_gpu_model_word(u) => {
                                b = b.gpu(
                                    Some(GpuModel::normalize(u)),
                                    parse_count(tok, "GPU count")?,
                                )
                            }
                            Some(u)
                                if u.eq_ignore_ascii_case("gpu")
                                    || u.eq_ignore_ascii_case("gpus") =>
                            {
                                b = b.gpu(None, parse_count(tok, "GPU count")?)
                            }
                            _ => {
                                return Err(RequirementsError::UnknownToken {
                                    token: format!("{n}"),
                                });
                            }
                        }
                        i += 2;
                        continue;
                    }
                    if let Some((m, n)) = gpu_combo(tok) {
                        // `1x A10`: the model is the next word.
                        b = b.gpu(Some(m), n);
                    } else if let Some(count) =
                        lower.strip_suffix('x').and_then(|n| n.parse::<u32>().ok())
                    {
                        match peek {
                            Some(u) if is_gpu_model_word(u) => {
                                b = b.gpu(Some(GpuModel::normalize(u)), count);
                                i += 1;
                            }
                            _ => {
                                return Err(RequirementsError::UnknownToken {
                                    token: tok.to_owned(),
                                });
                            }
                        }
                    } else if let Some((num, unit)) = split_glued(&lower) {
                        if cpu_unit(unit) {
                            b = b.vcpu(parse_count(num, "vCPU")?);
                        } else if memory_unit(unit) {
                            b = b.memory_gib(parse_positive(num, "memory")?);
                        } else {
                            return Err(RequirementsError::UnknownToken {
                                token: tok.to_owned(),
                            });
                        }
                    } else if is_gpu_model_word(tok) {
                        b = b.gpu(Some(GpuModel::normalize(tok)), 1);
                    } else if let Some(d) = parse_duration(tok) {
                        b = b.duration(d);
                    } else {
                        return Err(RequirementsError::UnknownToken {
                            token: tok.to_owned(),
                        });
                    }
                }
            }
            i += 1;
        }
        b.build()
    }
}

/// `8vcpu` → ("8", "vcpu").
fn split_glued(lower: &str) -> Option<(&str, &str)> {
    let at = lower.find(|c: char| c.is_ascii_alphabetic())?;
    if at == 0 {
        return None;
    }
    let (num, unit) = lower.split_at(at);
    num.parse::<f64>().ok()?;
    Some((num, unit))
}

fn parse_count(text: &str, what: &'static str) -> Result<u32, RequirementsError> {
    match text.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(RequirementsError::OutOfRange {
            what,
            value: text.to_owned(),
        }),
    }
}

fn parse_positive(text: &str, what: &'static str) -> Result<f64, RequirementsError> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(RequirementsError::OutOfRange {
            what,
            value: text.to_owned(),
        }),
    }
}

impl fmt::Display for Requirements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        parts.push(
            match self.task {
                TaskKind::OneShot => "one-shot",
                TaskKind::Service => "service",
                TaskKind::Training => "training",
            }
            .to_owned(),
        );
        if let Some(v) = self.vcpu {
            parts.push(format!("{v} vCPU"));
        }
        if let Some(m) = self.memory_gib {
            parts.push(format!("{m} GiB"));
        }
        if let Some(g) = &self.gpu {
            match &g.model {
                Some(m) => parts.push(format!("{}x {m}", g.count)),
                None => parts.push(format!("{} GPU", g.count)),
            }
        }
        if let Some(b) = self.budget {
            parts.push(format!("budget {} {}", b.amount, b.currency));
        }
        if let Some(d) = self.duration {
            parts.push(format!("for {}m", d.as_secs().div_ceil(60)));
        }
        if let Some(p) = self.product {
            parts.push(format!("product={}", p.name().to_ascii_lowercase()));
        }
        if let Some(r) = &self.region {
            parts.push(format!("region={r}"));
        }
        if self.kubernetes {
            parts.push("k8s".into());
        }
        if self.public_ip {
            parts.push("public-ip".into());
        }
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p1_parses_the_compact_forms() {
        let r: Requirements = "8 vCPU 32 GiB 1x A10 budget 50 CNY for 3h".parse().unwrap();
        assert_eq!(r.vcpu(), Some(8));
        assert_eq!(r.memory_gib(), Some(32.0));
        assert_eq!(
            r.gpu(),
            Some(&GpuRequirement {
                model: Some(GpuModel::A10),
                count: 1
            })
        );
        assert_eq!(r.budget(), Some(Money::cny(50.0)));
        assert_eq!(r.duration(), Some(Duration::from_secs(3 * 3600)));

        let r: Requirements = "gpu=A100x2 budget=$40".parse().unwrap();
        assert_eq!(r.gpu().unwrap().model, Some(GpuModel::A100));
        assert_eq!(r.gpu().unwrap().count, 2);
        assert_eq!(r.budget(), Some(Money::usd(40.0)));

        let r: Requirements = "training 4vcpu 16GB 2 V100 budget 100 usd duration=90m product=pai region=ap-southeast-1"
            .parse()
            .unwrap();
        assert_eq!(r.task(), TaskKind::Training);
        assert_eq!(r.vcpu(), Some(4));
        assert_eq!(r.memory_gib(), Some(16.0));
        assert_eq!(r.gpu().unwrap().count, 2);
        assert_eq!(r.budget(), Some(Money::usd(100.0)));
        assert_eq!(r.duration(), Some(Duration::from_secs(5400)));
        assert_eq!(r.product(), Some(Product::PaiDlc));
        assert_eq!(r.region(), Some("ap-southeast-1"));
    }

    #[test]
    fn p1_display_round_trips() {
        let r: Requirements = "service 2 vCPU 4 GiB 1x T4 budget 10 CNY for 2h product=ecs region=cn-shanghai public-ip"
            .parse()
            .unwrap();
        let again: Requirements = r.to_string().parse().unwrap();
        assert_eq!(r, again);
    }

    #[test]
    fn p1_unreadable_input_names_the_problem() {
        let e = "8 vCPU lots of ram".parse::<Requirements>().unwrap_err();
        assert_eq!(
            e,
            RequirementsError::UnknownToken {
                token: "lots".into()
            }
        );
        assert!(e.to_string().contains("`lots`"));
        assert!(matches!(
            "budget".parse::<Requirements>(),
            Err(RequirementsError::MissingValue { .. })
        ));
        assert!(matches!(
            "0 vCPU".parse::<Requirements>(),
            Err(RequirementsError::OutOfRange { what: "vCPU", .. })
        ));
        assert_eq!(
            "budget 10 EUR".parse::<Requirements>(),
            Err(RequirementsError::UnknownToken {
                token: "EUR".into()
            })
        );
        assert!(matches!(
            "product=lambda".parse::<Requirements>(),
            Err(RequirementsError::Product(_))
        ));
        assert!(matches!(
            "region=Hangzhou".parse::<Requirements>(),
            Err(RequirementsError::BadRegion(_))
        ));
        assert!(matches!(
            "budget 5 budget 6".parse::<Requirements>(),
            Err(RequirementsError::Duplicate("budget"))
        ));
        assert!(matches!(
            "for forever".parse::<Requirements>(),
            Err(RequirementsError::OutOfRange {
                what: "duration",
                ..
            })
        ));
    }

    #[test]
    fn builder_checks_values() {
        assert!(Requirements::builder().vcpu(0).build().is_err());
        assert!(Requirements::builder().memory_gib(-1.0).build().is_err());
        assert!(
            Requirements::builder()
                .budget(Money::cny(0.0))
                .build()
                .is_err()
        );
        let r = Requirements::builder()
            .task(TaskKind::Service)
            .vcpu(2)
            .script(Script::Inline("systemctl start nginx".into()))
            .build()
            .unwrap();
        assert_eq!(r.task(), TaskKind::Service);
        assert!(matches!(r.script(), Some(Script::Inline(_))));
    }
}
