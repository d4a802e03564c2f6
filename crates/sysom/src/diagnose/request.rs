//! The typed diagnosis request (S1–S3) and the `params` JSON it becomes (S5).

use serde::Serialize;

/// The PAI product an instance belongs to (S1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PaiProduct {
    /// An EAS service (`eas-...`).
    #[serde(rename = "EAS")]
    Eas,
    /// A DLC job (`dlc...`).
    #[serde(rename = "DLC")]
    Dlc,
}

impl PaiProduct {
    /// Infers the product from an instance id: `eas-` → EAS, `dlc` → DLC (S1).
    pub fn infer(instance: &str) -> Result<PaiProduct, DiagnosisRequestError> {
        if instance.starts_with("eas-") {
            Ok(PaiProduct::Eas)
        } else if instance.starts_with("dlc") {
            Ok(PaiProduct::Dlc)
        } else {
            Err(DiagnosisRequestError::UnknownInstancePrefix {
                instance: instance.to_owned(),
            })
        }
    }
}

/// When the diagnosis looks (S3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosisMode {
    /// Now (start and end 0).
    RealTime,
    /// A past window, Unix seconds.
    Historical {
        /// Start of the window.
        start: u64,
        /// End of the window.
        end: u64,
    },
}

/// Why a diagnosis request was refused before sending.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnosisRequestError {
    /// The instance id starts with neither `eas-` nor `dlc` (S1).
    #[error(
        "cannot tell the product of `{instance}`: EAS service ids start with `eas-`, DLC job ids with `dlc`; set the product explicitly"
    )]
    UnknownInstancePrefix {
        /// The id given.
        instance: String,
    },
    /// The description is not English words joined by underscores (S2).
    #[error(
        "description `{description}` must be English words joined by underscores, e.g. GPU_OOM_instance_restart"
    )]
    BadDescription {
        /// The description given.
        description: String,
    },
    /// A historical window that ends before it starts (S3).
    #[error("historical window ends ({end}) before it starts ({start})")]
    BadWindow {
        /// Start.
        start: u64,
        /// End.
        end: u64,
    },
    /// An empty instance or region.
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
}

/// A validated diagnosis request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosisRequest {
    instance: String,
    region: String,
    product: PaiProduct,
    mode: DiagnosisMode,
    description: Option<String>,
    uid: Option<u64>,
}

/// Builds a [`DiagnosisRequest`].
#[derive(Debug, Clone, Default)]
pub struct DiagnosisRequestBuilder {
    instance: String,
    region: String,
    product: Option<PaiProduct>,
    start_time: u64,
    end_time: u64,
    enable_diagnosis: bool,
    description: Option<String>,
    uid: Option<u64>,
}

impl DiagnosisRequest {
    /// A builder for the instance (`eas-m-...` or `dlc...`) in `region`.
    pub fn builder(
        instance: impl Into<String>,
        region: impl Into<String>,
    ) -> DiagnosisRequestBuilder {
        DiagnosisRequestBuilder {
            instance: instance.into(),
            region: region.into(),
            ..Default::default()
        }
    }

    /// The instance id, as given.
    pub fn instance(&self) -> &str {
        &self.instance
    }
    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }
    /// The product.
    pub fn product(&self) -> PaiProduct {
        self.product
    }
    /// Real time or historical.
    pub fn mode(&self) -> DiagnosisMode {
        self.mode
    }

    /// The `params` JSON of InvokeDiagnosis (S5): the required fields always,
    /// `ocd_description` and `uid` only when set.
    pub fn params_json(&self) -> String {
        #[derive(Serialize)]
        struct Params<'a> {
            instance: &'a str,
            region: &'a str,
            product: PaiProduct,
            start_time: u64,
            end_time: u64,
            #[serde(rename = "type")]
            kind: &'static str,
            ai_roadmap: bool,
            enable_sysom_link: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            ocd_description: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            uid: Option<u64>,
        }
        let (start_time, end_time) = match self.mode {
            DiagnosisMode::RealTime => (0, 0),
            DiagnosisMode::Historical { start, end } => (start, end),
        };
        let params = Params {
            instance: &self.instance,
            region: &self.region,
            product: self.product,
            start_time,
            end_time,
            kind: "ocd",
            ai_roadmap: true,
            enable_sysom_link: false,
            ocd_description: self.description.as_deref(),
            uid: self.uid,
        };
        serde_json::to_string(&params).unwrap_or_default()
    }
}

impl DiagnosisRequestBuilder {
    /// Sets the product instead of inferring it from the id.
    pub fn product(mut self, product: PaiProduct) -> Self {
        self.product = Some(product);
        self
    }
    /// Start of a historical window (Unix seconds; 0 = real time).
    pub fn start_time(mut self, unix_seconds: u64) -> Self {
        self.start_time = unix_seconds;
        self
    }
    /// End of a historical window (Unix seconds).
    pub fn end_time(mut self, unix_seconds: u64) -> Self {
        self.end_time = unix_seconds;
        self
    }
    /// Forces real-time diagnosis, whatever the window (S3).
    pub fn enable_diagnosis(mut self, yes: bool) -> Self {
        self.enable_diagnosis = yes;
        self
    }
    /// The problem in English words joined by underscores (S2).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// The account id owning the resource.
    pub fn uid(mut self, uid: u64) -> Self {
        self.uid = Some(uid);
        self
    }

    /// Validates and builds.
    pub fn build(self) -> Result<DiagnosisRequest, DiagnosisRequestError> {
        if self.instance.trim().is_empty() {
            return Err(DiagnosisRequestError::Empty("instance"));
        }
        if self.region.trim().is_empty() {
            return Err(DiagnosisRequestError::Empty("region"));
        }
        let product = match self.product {
            Some(p) => p,
            None => PaiProduct::infer(&self.instance)?,
        };
        if let Some(d) = &self.description {
            if !is_valid_description(d) {
                return Err(DiagnosisRequestError::BadDescription {
                    description: d.clone(),
                });
            }
        }
        let mode = if self.enable_diagnosis || self.start_time == 0 {
            DiagnosisMode::RealTime
        } else {
            if self.end_time != 0 && self.end_time < self.start_time {
                return Err(DiagnosisRequestError::BadWindow {
                    start: self.start_time,
                    end: self.end_time,
                });
            }
            DiagnosisMode::Historical {
                start: self.start_time,
                end: self.end_time,
            }
        };
        Ok(DiagnosisRequest {
            instance: self.instance,
            region: self.region,
            product,
            mode,
            description: self.description.filter(|d| !d.is_empty()),
            uid: self.uid,
        })
    }
}

/// English words (ASCII letters and digits) joined by single underscores.
fn is_valid_description(d: &str) -> bool {
    !d.is_empty()
        && d.split('_')
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric()))
        && d.bytes().any(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s1_product_is_inferred_from_the_prefix() {
        assert_eq!(PaiProduct::infer("eas-m-abc123").unwrap(), PaiProduct::Eas);
        assert_eq!(PaiProduct::infer("dlc1a2b3c4d").unwrap(), PaiProduct::Dlc);
        let err = PaiProduct::infer("i-bp1abc").unwrap_err();
        assert!(matches!(
            err,
            DiagnosisRequestError::UnknownInstancePrefix { .. }
        ));
        // An explicit product overrides inference.
        let r = DiagnosisRequest::builder("custom-id", "cn-hangzhou")
            .product(PaiProduct::Eas)
            .build()
            .unwrap();
        assert_eq!(r.product(), PaiProduct::Eas);
    }

    #[test]
    fn s2_description_is_english_words_with_underscores() {
        let ok = DiagnosisRequest::builder("eas-m-1", "cn-hangzhou")
            .description("GPU_OOM_instance_restart")
            .build();
        assert!(ok.is_ok());
        for bad in [
            "GPU OOM",
            "gpu__oom",
            "_oom",
            "caf\u{e9}_crash",
            "oom-killed",
            "",
        ] {
            let r = DiagnosisRequest::builder("eas-m-1", "cn-hangzhou")
                .description(bad)
                .build();
            assert!(
                matches!(r, Err(DiagnosisRequestError::BadDescription { .. })),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn s3_mode_selection() {
        let rt = DiagnosisRequest::builder("dlc1", "cn-hangzhou")
            .build()
            .unwrap();
        assert_eq!(rt.mode(), DiagnosisMode::RealTime);
        let hist = DiagnosisRequest::builder("dlc1", "cn-hangzhou")
            .start_time(1_700_000_000)
            .end_time(1_700_003_600)
            .build()
            .unwrap();
        assert_eq!(
            hist.mode(),
            DiagnosisMode::Historical {
                start: 1_700_000_000,
                end: 1_700_003_600
            }
        );
        let forced = DiagnosisRequest::builder("dlc1", "cn-hangzhou")
            .start_time(1_700_000_000)
            .enable_diagnosis(true)
            .build()
            .unwrap();
        assert_eq!(forced.mode(), DiagnosisMode::RealTime);
        assert!(
            DiagnosisRequest::builder("dlc1", "cn-hangzhou")
                .start_time(10)
                .end_time(5)
                .build()
                .is_err()
        );
    }

    #[test]
    fn s5_params_carry_every_required_field() {
        let r = DiagnosisRequest::builder("eas-m-xyz", "cn-shanghai")
            .description("high_latency_first_token")
            .build()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&r.params_json()).unwrap();
        assert_eq!(v["instance"], "eas-m-xyz");
        assert_eq!(v["region"], "cn-shanghai");
        assert_eq!(v["product"], "EAS");
        assert_eq!(v["type"], "ocd");
        assert_eq!(v["ai_roadmap"], true);
        assert_eq!(v["enable_sysom_link"], false);
        assert_eq!(v["start_time"], 0);
        assert_eq!(v["end_time"], 0);
        assert_eq!(v["ocd_description"], "high_latency_first_token");
        assert!(v.get("uid").is_none());
    }
}
