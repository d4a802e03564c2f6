//! Script checks before anything is paid for (P6).
//!
//! Each failure is its own [`ScriptError`] variant, so a caller can tell the
//! user exactly what to fix. Nothing here invents or repairs a script.

use std::path::{Path, PathBuf};

use crate::requirements::{Script, TaskKind};

/// The operating-system family of an image, as far as package managers go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsFamily {
    /// Ubuntu, Debian: `apt`.
    Debian,
    /// CentOS, Alibaba Cloud Linux, Rocky, AlmaLinux, RHEL, Anolis, Fedora: `yum`/`dnf`.
    RedHat,
}

impl OsFamily {
    /// Guesses the family from an image name, id or OS name
    /// (`ubuntu_22_04_x64_20G_alibase_20240101.vhd`, `Alibaba Cloud Linux 3`, `aliyun_3_x64`).
    pub fn from_image_name(name: &str) -> Option<OsFamily> {
        let lower = name.to_ascii_lowercase();
        if ["ubuntu", "debian"].iter().any(|k| lower.contains(k)) {
            Some(OsFamily::Debian)
        } else if [
            "centos",
            "alibaba cloud linux",
            "aliyun",
            "alinux",
            "rocky",
            "alma",
            "rhel",
            "red hat",
            "anolis",
            "fedora",
        ]
        .iter()
        .any(|k| lower.contains(k))
        {
            Some(OsFamily::RedHat)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            OsFamily::Debian => "Debian/Ubuntu (apt)",
            OsFamily::RedHat => "CentOS/Alibaba Cloud Linux (yum)",
        }
    }
}

/// What a script is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptContext {
    /// The task kind.
    pub task: TaskKind,
    /// The image's OS family, when known.
    pub os: Option<OsFamily>,
}

/// Why a script was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScriptError {
    /// The path does not exist.
    #[error("script not found: {}", path.display())]
    NotFound {
        /// The path.
        path: PathBuf,
    },
    /// The path could not be read.
    #[error("cannot read script {}: {reason}", path.display())]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// The file or text is empty.
    #[error("script {origin} is empty")]
    Empty {
        /// The path, or `(inline)`.
        origin: String,
    },
    /// Only comments, `pass`, `TODO` and the like.
    #[error("script {origin} has no executable lines (only comments or placeholders)")]
    PlaceholderOnly {
        /// The path, or `(inline)`.
        origin: String,
    },
    /// A training script with no framework import or launcher.
    #[error(
        "training script shows no framework entry point (e.g. `import torch`, `torchrun`, `python train.py`)"
    )]
    NoFrameworkEntryPoint,
    /// A package manager that the image does not have.
    #[error("line {line} uses `{manager}` but the image is {}; use the image's package manager or another image", os.name())]
    PackageManagerMismatch {
        /// 1-based line.
        line: usize,
        /// The command found.
        manager: String,
        /// The image's family.
        os: OsFamily,
    },
    /// A service started in the foreground would block the run forever.
    #[error(
        "line {line} runs `{command}` in the foreground; start services in the background (systemctl, nohup ... &, or a daemon flag)"
    )]
    ForegroundBlocking {
        /// 1-based line.
        line: usize,
        /// The command.
        command: String,
    },
}

/// Reads a script, refusing a missing or empty file (P6). Returns its text.
pub fn load(script: &Script) -> Result<String, ScriptError> {
    match script {
        Script::Inline(text) => {
            if text.trim().is_empty() {
                Err(ScriptError::Empty {
                    origin: "(inline)".into(),
                })
            } else {
                Ok(text.clone())
            }
        }
        Script::Path(path) => read_file(path),
    }
}

fn read_file(path: &Path) -> Result<String, ScriptError> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ScriptError::NotFound {
                path: path.to_owned(),
            });
        }
        Err(e) => {
            return Err(ScriptError::Unreadable {
                path: path.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    if text.trim().is_empty() {
        return Err(ScriptError::Empty {
            origin: path.display().to_string(),
        });
    }
    Ok(text)
}

/// Lines that do something: not blank, not comments, not placeholders.
fn executable_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = raw.trim();
        let upper = line.to_ascii_uppercase();
        let placeholder = line.is_empty()
            || line.starts_with('#')
            || line.starts_with("//")
            || line.starts_with("\"\"\"")
            || matches!(
                line,
                "pass"
                    | "..."
                    | ":"
                    | "true"
                    | "exit 0"
                    | "set -e"
                    | "set -ex"
                    | "set -euo pipefail"
            )
            || upper.starts_with("TODO")
            || upper.starts_with("FIXME")
            || upper.contains("YOUR CODE HERE")
            || upper.contains("PLACEHOLDER")
            || (line.starts_with("echo") && upper.contains("TODO"))
            || line.starts_with("def ") && line.ends_with(':')
            || line.starts_with("if __name__");
        (!placeholder).then_some((i + 1, line))
    })
}

const ENTRY_POINTS: &[&str] = &[
    "import torch",
    "from torch",
    "import tensorflow",
    "from tensorflow",
    "import keras",
    "from keras",
    "import jax",
    "from jax",
    "import paddle",
    "import mindspore",
    "from transformers",
    "import transformers",
    "import xgboost",
    "import lightgbm",
    "from sklearn",
    "import sklearn",
    "import deepspeed",
    "import accelerate",
    "from accelerate",
    "torchrun",
    "torch.distributed",
    "deepspeed ",
    "accelerate launch",
    "horovodrun",
    "mpirun",
    "llamafactory-cli",
    "swift sft",
];

fn launches_python_file(line: &str) -> bool {
    line.split(['&', ';', '|']).any(|segment| {
        let mut words = segment.split_whitespace();
        matches!(words.next(), Some("python" | "python3")) && words.any(|w| w.ends_with(".py"))
    })
}

const APT: &[&str] = &["apt-get ", "apt ", "dpkg "];
const YUM: &[&str] = &["yum ", "dnf ", "rpm "];

/// Commands that keep running in the foreground when a service starts.
const BLOCKING: &[&str] = &[
    "python -m http.server",
    "python3 -m http.server",
    "flask run",
    "uvicorn ",
    "gunicorn ",
    "node ",
    "npm start",
    "npm run start",
    "yarn start",
    "java -jar",
    "redis-server",
    "nginx -g",
    "tail -f",
    "sleep infinity",
    "while true",
    "streamlit run",
    "jupyter ",
    "vllm serve",
    "python -m vllm",
];

fn backgrounded(line: &str) -> bool {
    let t = line.trim_end();
    (t.ends_with('&') && !t.ends_with("&&"))
        || t.starts_with("nohup ")
        || t.starts_with("setsid ")
        || t.starts_with("systemd-run")
        || t.contains("--daemon")
        || t.contains(" -d ")
        || t.contains("--daemonize yes")
        || t.contains("screen -dm")
        || t.contains("tmux new -d")
}

/// Checks the script text against the task and image (P6).
pub fn check(text: &str, ctx: ScriptContext) -> Result<(), ScriptError> {
    let lines: Vec<(usize, &str)> = executable_lines(text).collect();
    if text.trim().is_empty() {
        return Err(ScriptError::Empty {
            origin: "(inline)".into(),
        });
    }
    if lines.is_empty() {
        return Err(ScriptError::PlaceholderOnly {
            origin: "(inline)".into(),
        });
    }
    if let Some(os) = ctx.os {
        let wrong: &[&str] = match os {
            OsFamily::Debian => YUM,
            OsFamily::RedHat => APT,
        };
        for (n, line) in &lines {
            let padded = format!("{line} ");
            let command = padded.trim_start_matches("sudo ");
            if let Some(m) = wrong
                .iter()
                .find(|m| command.starts_with(*m) || padded.contains(&format!("&& {m}")))
            {
                return Err(ScriptError::PackageManagerMismatch {
                    line: *n,
                    manager: m.trim().to_owned(),
                    os,
                });
            }
        }
    }
    match ctx.task {
        TaskKind::Training => {
            let found = lines.iter().any(|(_, l)| {
                ENTRY_POINTS.iter().any(|e| l.contains(e)) || launches_python_file(l)
            });
            if !found {
                return Err(ScriptError::NoFrameworkEntryPoint);
            }
        }
        TaskKind::Service => {
            for (n, line) in &lines {
                if backgrounded(line) {
                    continue;
                }
                if let Some(cmd) = BLOCKING
                    .iter()
                    .find(|b| line.starts_with(*b) || line.contains(&format!("&& {b}")))
                {
                    return Err(ScriptError::ForegroundBlocking {
                        line: *n,
                        command: cmd.trim().to_owned(),
                    });
                }
            }
        }
        TaskKind::OneShot => {}
    }
    Ok(())
}

/// [`load`] then [`check`], naming the file in errors.
pub fn load_and_check(script: &Script, ctx: ScriptContext) -> Result<String, ScriptError> {
    let text = load(script)?;
    let origin = match script {
        Script::Path(p) => p.display().to_string(),
        Script::Inline(_) => "(inline)".to_owned(),
    };
    check(&text, ctx).map_err(|e| match e {
        ScriptError::PlaceholderOnly { .. } => ScriptError::PlaceholderOnly { origin },
        ScriptError::Empty { .. } => ScriptError::Empty { origin },
        other => other,
    })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(task: TaskKind, os: Option<OsFamily>) -> ScriptContext {
        ScriptContext { task, os }
    }

    #[test]
    fn p6_missing_and_empty_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.sh");
        assert_eq!(
            load(&Script::Path(missing.clone())),
            Err(ScriptError::NotFound { path: missing })
        );
        let empty = dir.path().join("empty.sh");
        std::fs::write(&empty, "  \n").unwrap();
        assert!(matches!(
            load(&Script::Path(empty)),
            Err(ScriptError::Empty { .. })
        ));
        assert!(matches!(
            load(&Script::Inline(String::new())),
            Err(ScriptError::Empty { .. })
        ));
        let real = dir.path().join("run.sh");
        std::fs::write(&real, "echo hi\n").unwrap();
        assert_eq!(load(&Script::Path(real)).unwrap(), "echo hi\n");
    }

    #[test]
    fn p6_placeholder_only_content_is_refused() {
        let placeholder = "#!/bin/bash\n# TODO: write the job\n\npass\n# your code here\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stub.sh");
        std::fs::write(&path, placeholder).unwrap();
        let err =
            load_and_check(&Script::Path(path.clone()), ctx(TaskKind::OneShot, None)).unwrap_err();
        assert_eq!(
            err,
            ScriptError::PlaceholderOnly {
                origin: path.display().to_string()
            }
        );
        assert!(check("echo hello", ctx(TaskKind::OneShot, None)).is_ok());
    }

    #[test]
    fn p6_training_needs_a_framework_entry_point() {
        let c = ctx(TaskKind::Training, None);
        assert_eq!(
            check("echo training\nls -la", c),
            Err(ScriptError::NoFrameworkEntryPoint)
        );
        assert!(check("import torch\nprint(torch.cuda.is_available())", c).is_ok());
        assert!(check("torchrun --nproc_per_node=8 train.py", c).is_ok());
        assert!(check("cd /code && python train.py --epochs 3", c).is_ok());
    }

    #[test]
    fn p6_package_manager_must_match_the_image() {
        let err = check(
            "set -e\nsudo apt-get install -y nginx",
            ctx(TaskKind::OneShot, Some(OsFamily::RedHat)),
        )
        .unwrap_err();
        assert!(
            matches!(err, ScriptError::PackageManagerMismatch { line: 2, ref manager, os: OsFamily::RedHat } if manager == "apt-get")
        );
        assert!(err.to_string().contains("yum"));
        assert!(
            check(
                "yum install -y nginx",
                ctx(TaskKind::OneShot, Some(OsFamily::Debian))
            )
            .is_err()
        );
        assert!(
            check(
                "yum install -y nginx",
                ctx(TaskKind::OneShot, Some(OsFamily::RedHat))
            )
            .is_ok()
        );
        assert_eq!(
            OsFamily::from_image_name("aliyun_3_x64_20G_alibase"),
            Some(OsFamily::RedHat)
        );
        assert_eq!(
            OsFamily::from_image_name("ubuntu_22_04_x64"),
            Some(OsFamily::Debian)
        );
    }

    #[test]
    fn p6_services_must_not_block_in_the_foreground() {
        let c = ctx(TaskKind::Service, None);
        let err = check("pip install flask\nflask run --host 0.0.0.0", c).unwrap_err();
        assert_eq!(
            err,
            ScriptError::ForegroundBlocking {
                line: 2,
                command: "flask run".into()
            }
        );
        assert!(check("yum install -y nginx && systemctl start nginx", c).is_ok());
        assert!(check("nohup python -m http.server 8000 > /tmp/log 2>&1 &", c).is_ok());
        // A one-shot script may run in the foreground.
        assert!(check("python -m http.server", ctx(TaskKind::OneShot, None)).is_ok());
    }
}
