//! Chip compatibility between an image and an instance type (E3).

use std::fmt;

/// The GPU instance type a GPU-only workload is moved to when the caller
/// asked for a CPU instance and named no replacement.
pub const DEFAULT_GPU_INSTANCE_TYPE: &str = "ecs.gn7i-c16g1.4xlarge";

/// The accelerator an image is built for, or an instance type carries.
///
/// For images this is the `system.chipType` label of AI Workspace
/// `ListImages` / `GetImage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChipType {
    /// NVIDIA GPU (`ecs.gn*` instance families).
    Gpu,
    /// No accelerator.
    Cpu,
    /// PPU accelerator (`ecs.ebmppu*`).
    Ppu,
    /// XPU accelerator (`ecs.egs*`).
    Xpu,
}

/// A chip label that is none of `GPU`, `CPU`, `PPU`, `XPU`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown chip type `{0}`: expected GPU, CPU, PPU or XPU")]
pub struct UnknownChipType(pub String);

impl ChipType {
    /// Parses a `system.chipType` label (case-insensitive).
    pub fn from_label(label: &str) -> Result<ChipType, UnknownChipType> {
        match label.trim().to_ascii_uppercase().as_str() {
            "GPU" => Ok(ChipType::Gpu),
            "CPU" => Ok(ChipType::Cpu),
            "PPU" => Ok(ChipType::Ppu),
            "XPU" => Ok(ChipType::Xpu),
            _ => Err(UnknownChipType(label.to_owned())),
        }
    }

    /// The chip of an instance type, told from its family name:
    /// `ecs.ebmppu*` is PPU, `ecs.egs*` is XPU, the `gn` families
    /// (`ecs.gn*`, and their bare-metal `ecs.ebmgn*` and shared `ecs.sgn*`
    /// / `ecs.vgn*` variants) are GPU, everything else is CPU.
    pub fn of_instance_type(instance_type: &str) -> ChipType {
        let t = instance_type.trim().to_ascii_lowercase();
        let family = t.strip_prefix("ecs.").unwrap_or(&t);
        if family.starts_with("ebmppu") {
            ChipType::Ppu
        } else if family.starts_with("egs") {
            ChipType::Xpu
        } else if ["gn", "ebmgn", "sgn", "vgn"]
            .iter()
            .any(|p| family.starts_with(p))
        {
            ChipType::Gpu
        } else {
            ChipType::Cpu
        }
    }

    /// The label spelling: `GPU`, `CPU`, `PPU` or `XPU`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChipType::Gpu => "GPU",
            ChipType::Cpu => "CPU",
            ChipType::Ppu => "PPU",
            ChipType::Xpu => "XPU",
        }
    }

    /// The instance family pattern this chip needs, for messages.
    pub fn instance_pattern(self) -> &'static str {
        match self {
            ChipType::Gpu => "a GPU instance (ecs.gn*)",
            ChipType::Cpu => "a non-GPU instance",
            ChipType::Ppu => "a PPU instance (ecs.ebmppu*)",
            ChipType::Xpu => "an XPU instance (ecs.egs*)",
        }
    }
}

impl fmt::Display for ChipType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serving engines that only run on an accelerator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServingFramework {
    /// vLLM.
    Vllm,
    /// SGLang.
    Sglang,
}

impl ServingFramework {
    /// Recognises vLLM or SGLang from the image reference (repository name)
    /// or the start command; `None` for anything else.
    pub fn detect(image: &str, command: Option<&str>) -> Option<ServingFramework> {
        let repo = image
            .rsplit('/')
            .next()
            .unwrap_or(image)
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if repo.contains("vllm") {
            return Some(ServingFramework::Vllm);
        }
        if repo.contains("sglang") {
            return Some(ServingFramework::Sglang);
        }
        let cmd = command.unwrap_or_default().to_ascii_lowercase();
        let words: Vec<&str> = cmd.split_whitespace().collect();
        if words.first() == Some(&"vllm") || cmd.contains("vllm.entrypoints") {
            Some(ServingFramework::Vllm)
        } else if cmd.contains("sglang.launch_server") {
            Some(ServingFramework::Sglang)
        } else {
            None
        }
    }

    /// Display name.
    pub fn as_str(self) -> &'static str {
        match self {
            ServingFramework::Vllm => "vLLM",
            ServingFramework::Sglang => "SGLang",
        }
    }
}

/// The outcome of the E3 compatibility check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChipCheck {
    /// The instance type carries the chip the image needs.
    Compatible {
        /// Chip of the image.
        image_chip: ChipType,
        /// The instance type, unchanged.
        instance_type: String,
    },
    /// A CPU instance was asked for a workload that needs an accelerator;
    /// the deployment uses `chosen` instead.
    Switched {
        /// Chip of the image.
        image_chip: ChipType,
        /// The engine that forced the switch, if one was recognised.
        framework: Option<ServingFramework>,
        /// The CPU instance type that was asked for.
        requested: String,
        /// The accelerator instance type used instead.
        chosen: String,
    },
    /// The image cannot run on the instance type; deploying would fail.
    Incompatible {
        /// Chip of the image.
        image_chip: ChipType,
        /// Chip of the instance type.
        instance_chip: ChipType,
        /// The instance type.
        instance_type: String,
    },
}

impl ChipCheck {
    /// Checks an image of `image_chip` (running `framework`, if known)
    /// against `instance_type`.
    ///
    /// A CPU instance for a GPU-only workload (an accelerator image, or
    /// vLLM / SGLang whatever the label says) is switched to `replacement`
    /// when that carries the needed chip; for GPU workloads without a
    /// replacement [`DEFAULT_GPU_INSTANCE_TYPE`] is used.
    pub fn evaluate(
        image_chip: ChipType,
        framework: Option<ServingFramework>,
        instance_type: &str,
        replacement: Option<&str>,
    ) -> ChipCheck {
        let instance_chip = ChipType::of_instance_type(instance_type);
        let needs_accelerator = image_chip != ChipType::Cpu || framework.is_some();
        if instance_chip == ChipType::Cpu && needs_accelerator {
            let wanted = if image_chip == ChipType::Cpu {
                ChipType::Gpu
            } else {
                image_chip
            };
            let chosen = match (replacement, wanted) {
                (Some(r), _) if ChipType::of_instance_type(r) == wanted => Some(r.to_owned()),
                (None, ChipType::Gpu) => Some(DEFAULT_GPU_INSTANCE_TYPE.to_owned()),
                _ => None,
            };
            return match chosen {
                Some(chosen) => ChipCheck::Switched {
                    image_chip: wanted,
                    framework,
                    requested: instance_type.to_owned(),
                    chosen,
                },
                None => ChipCheck::Incompatible {
                    image_chip,
                    instance_chip,
                    instance_type: instance_type.to_owned(),
                },
            };
        }
        if instance_chip == image_chip {
            ChipCheck::Compatible {
                image_chip,
                instance_type: instance_type.to_owned(),
            }
        } else {
            ChipCheck::Incompatible {
                image_chip,
                instance_chip,
                instance_type: instance_type.to_owned(),
            }
        }
    }

    /// Whether the deployment may go ahead.
    pub fn passed(&self) -> bool {
        !matches!(self, ChipCheck::Incompatible { .. })
    }

    /// The instance type to deploy on (the replacement after a switch).
    pub fn instance_type(&self) -> &str {
        match self {
            ChipCheck::Compatible { instance_type, .. }
            | ChipCheck::Incompatible { instance_type, .. } => instance_type,
            ChipCheck::Switched { chosen, .. } => chosen,
        }
    }

    /// A sentence explaining the result.
    pub fn reason(&self) -> String {
        match self {
            ChipCheck::Compatible {
                image_chip,
                instance_type,
            } => {
                format!("{image_chip} image on {instance_type} ({image_chip} instance): compatible")
            }
            ChipCheck::Switched {
                image_chip,
                framework,
                requested,
                chosen,
            } => {
                let what = match framework {
                    Some(f) => format!("{} needs {}", f.as_str(), image_chip.instance_pattern()),
                    None => format!(
                        "a {image_chip} image needs {}",
                        image_chip.instance_pattern()
                    ),
                };
                format!(
                    "{what} and cannot run on the CPU instance {requested}; switched to {chosen}"
                )
            }
            ChipCheck::Incompatible {
                image_chip,
                instance_chip,
                instance_type,
            } => format!(
                "{image_chip} image requires {}, but {instance_type} is a {instance_chip} instance; change the image or the instance type",
                image_chip.instance_pattern()
            ),
        }
    }
}

impl fmt::Display for ChipCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self {
            ChipCheck::Compatible { .. } => "passed",
            ChipCheck::Switched { .. } => "passed after switching the instance type",
            ChipCheck::Incompatible { .. } => "FAILED",
        };
        write!(f, "Compatibility: {verdict} - {}", self.reason())
    }
}
