//! Credentials from the shared INI file `~/.alibabacloud/credentials`.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use super::config::ProviderConfig;
use super::ecs_ram_role::EcsRamRoleProvider;
use super::oidc::OidcRoleProvider;
use super::profile::{PROFILE_VAR, inner_error};
use super::ram_role_arn::RamRoleArnProvider;
use super::static_provider::StaticProvider;
use super::{Credentials, CredentialsError, ProvideCredentials, SharedCredentialsProvider};

/// Provider name of [`IniFileProvider`].
pub(crate) const NAME: &str = "ini_file";

/// Variable naming the file.
pub(crate) const FILE_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";
/// Section read when no profile is selected.
const DEFAULT_PROFILE: &str = "default";
const SUPPORTED_TYPES: &str = "access_key, sts, ecs_ram_role, ram_role_arn, oidc_role_arn";

/// Reads one section of the INI credentials file shared by the official SDKs.
///
/// The file is `ALIBABA_CLOUD_CREDENTIALS_FILE` when set, else
/// `~/.alibabacloud/credentials` (the Go and Java SDKs' name), else
/// `~/.alibabacloud/credentials.ini` (the Python SDK's). The section is the
/// profile named by the builder, else `ALIBABA_CLOUD_PROFILE`, else
/// `default`. Its `type` decides the rest, with the official field names:
///
/// | `type` | fields |
/// |---|---|
/// | `access_key` | `access_key_id`, `access_key_secret` |
/// | `sts` | the above and `security_token` |
/// | `ecs_ram_role` | `role_name` (optional) |
/// | `ram_role_arn` | `access_key_id`, `access_key_secret`, `role_arn`, `role_session_name`, `role_session_expiration`, `policy`, `external_id`, `sts_region` |
/// | `oidc_role_arn` | `role_arn`, `oidc_provider_arn`, `oidc_token_file_path`, `role_session_name`, `role_session_expiration`, `policy`, `sts_region` |
///
/// Like the Python SDK, text after a `#` in a value is a comment.
///
/// Outcomes: no file at the default paths, or no such section, are
/// [`CredentialsError::NotConfigured`]. A file named by
/// `ALIBABA_CLOUD_CREDENTIALS_FILE` that does not exist, a malformed file, a
/// missing or unknown `type` or a missing field are
/// [`CredentialsError::InvalidConfig`].
pub struct IniFileProvider {
    config: ProviderConfig,
    path: Option<PathBuf>,
    profile_name: Option<String>,
    inner: tokio::sync::OnceCell<Loaded>,
}

struct Loaded {
    context: String,
    provider: SharedCredentialsProvider,
}

impl IniFileProvider {
    /// Reads the file and section selected by `config`'s environment.
    pub fn new(config: &ProviderConfig) -> Self {
        Self {
            config: config.clone(),
            path: None,
            profile_name: config.profile_name.clone(),
            inner: tokio::sync::OnceCell::new(),
        }
    }

    /// Reads this file (it must exist) instead of the default.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Reads this section instead of `ALIBABA_CLOUD_PROFILE` / `default`.
    pub fn with_profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// The file to read and whether it was named explicitly.
    fn locate(&self) -> Result<(PathBuf, bool), CredentialsError> {
        if let Some(path) = &self.path {
            return Ok((path.clone(), true));
        }
        if let Some(path) = self.config.env.var(FILE_VAR) {
            return Ok((PathBuf::from(path.trim()), true));
        }
        let home = self.config.env.home_dir().ok_or_else(|| {
            CredentialsError::not_configured(
                NAME,
                format!("{FILE_VAR} is not set and there is no home directory"),
            )
        })?;
        let dir = home.join(".alibabacloud");
        let candidates = [dir.join("credentials"), dir.join("credentials.ini")];
        for candidate in &candidates {
            if candidate.is_file() {
                return Ok((candidate.clone(), false));
            }
        }
        Err(CredentialsError::not_configured(
            NAME,
            format!(
                "{FILE_VAR} is not set and neither {} nor {} exists",
                candidates[0].display(),
                candidates[1].display()
            ),
        ))
    }

    async fn load(&self) -> Result<Loaded, CredentialsError> {
        let (path, explicit) = self.locate()?;
        let text = match tokio::fs::read_to_string(&path).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Err(CredentialsError::not_configured(
                    NAME,
                    format!("{} does not exist", path.display()),
                ));
            }
            Err(e) => {
                return Err(CredentialsError::invalid_config(
                    NAME,
                    format!("could not read {}: {e}", path.display()),
                ));
            }
        };
        let sections = parse_ini(&text).map_err(|reason| {
            CredentialsError::invalid_config(
                NAME,
                format!("{} is malformed: {reason}", path.display()),
            )
        })?;
        let name = self
            .profile_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| self.config.env.var(PROFILE_VAR))
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        let Some(section) = sections.get(&name) else {
            return Err(CredentialsError::not_configured(
                NAME,
                format!("{} has no [{name}] section", path.display()),
            ));
        };
        let context = format!("[{name}] of {}", path.display());
        let provider = build(section, &context, &self.config)?;
        tracing::debug!(provider = NAME, profile = %name, path = %path.display(), "loaded INI profile");
        Ok(Loaded { context, provider })
    }
}

fn build(
    section: &HashMap<String, String>,
    context: &str,
    config: &ProviderConfig,
) -> Result<SharedCredentialsProvider, CredentialsError> {
    let get = |key: &str| section.get(key).filter(|v| !v.is_empty()).cloned();
    let kind = get("type").ok_or_else(|| {
        CredentialsError::invalid_config(
            NAME,
            format!("{context}: `type` is missing (one of {SUPPORTED_TYPES})"),
        )
    })?;
    let require = |key: &str| {
        get(key).ok_or_else(|| {
            CredentialsError::invalid_config(
                NAME,
                format!("{context}: type {kind} needs `{key}`, which is missing or empty"),
            )
        })
    };
    let seconds = |key: &str| -> Result<Option<u64>, CredentialsError> {
        match get(key) {
            None => Ok(None),
            Some(v) => v.parse::<u64>().map(|s| (s > 0).then_some(s)).map_err(|_| {
                CredentialsError::invalid_config(
                    NAME,
                    format!("{context}: `{key}` must be a whole number of seconds"),
                )
            }),
        }
    };
    let wrap = |e: CredentialsError| inner_error(e, context);
    let provider: SharedCredentialsProvider = match kind.as_str() {
        "access_key" => Arc::new(StaticProvider::new(
            require("access_key_id")?,
            require("access_key_secret")?,
        )),
        "sts" => Arc::new(StaticProvider::with_security_token(
            require("access_key_id")?,
            require("access_key_secret")?,
            require("security_token")?,
        )),
        "ecs_ram_role" => {
            let mut builder = EcsRamRoleProvider::builder().config(config);
            if let Some(role) = get("role_name") {
                builder = builder.role_name(role);
            }
            Arc::new(builder.build())
        }
        "ram_role_arn" => {
            let source = Arc::new(StaticProvider::new(
                require("access_key_id")?,
                require("access_key_secret")?,
            ));
            let mut builder =
                RamRoleArnProvider::builder(source, require("role_arn")?).config(config);
            if let Some(session) = get("role_session_name") {
                builder = builder.role_session_name(session);
            }
            if let Some(seconds) = seconds("role_session_expiration")? {
                builder = builder.duration_seconds(seconds);
            }
            if let Some(policy) = get("policy") {
                builder = builder.policy(policy);
            }
            if let Some(external_id) = get("external_id") {
                builder = builder.external_id(external_id);
            }
            if let Some(region) = get("sts_region") {
                builder = builder.sts_region(region);
            }
            Arc::new(builder.build().map_err(wrap)?)
        }
        "oidc_role_arn" => {
            let mut builder = OidcRoleProvider::builder(
                require("role_arn")?,
                require("oidc_provider_arn")?,
                require("oidc_token_file_path")?,
            )
            .config(config);
            if let Some(session) = get("role_session_name") {
                builder = builder.role_session_name(session);
            }
            if let Some(seconds) = seconds("role_session_expiration")? {
                builder = builder.duration_seconds(seconds);
            }
            if let Some(policy) = get("policy") {
                builder = builder.policy(policy);
            }
            if let Some(region) = get("sts_region") {
                builder = builder.sts_region(region);
            }
            Arc::new(builder.build().map_err(wrap)?)
        }
        "rsa_key_pair" | "bearer" | "credentials_uri" => {
            return Err(CredentialsError::invalid_config(
                NAME,
                format!(
                    "{context}: type {kind} is not supported by this SDK (supported: {SUPPORTED_TYPES})"
                ),
            ));
        }
        other => {
            return Err(CredentialsError::invalid_config(
                NAME,
                format!("{context}: unknown type {other:?} (supported: {SUPPORTED_TYPES})"),
            ));
        }
    };
    Ok(provider)
}

/// Parses INI text the way Python's `configparser` (which the official
/// Python SDK uses) reads these files: `[section]` headers, `key = value` or
/// `key: value`, keys case-insensitive, whole-line comments starting with `#`
/// or `;`, and, as the SDK adds, anything after `#` in a value dropped.
///
/// Errors give a line number and never quote the line (it may hold a secret).
fn parse_ini(text: &str) -> Result<HashMap<String, HashMap<String, String>>, String> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(format!(
                    "line {number}: section header without a closing `]`"
                ));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(format!("line {number}: empty section name"));
            }
            sections.entry(name.to_owned()).or_default();
            current = Some(name.to_owned());
            continue;
        }
        let Some(split) = line.find(['=', ':']) else {
            return Err(format!("line {number}: expected `key = value`"));
        };
        let key = line[..split].trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err(format!("line {number}: missing key before `=`"));
        }
        let mut value = &line[split + 1..];
        if let Some(hash) = value.find('#') {
            value = &value[..hash];
        }
        let Some(section) = &current else {
            return Err(format!("line {number}: key outside of any [section]"));
        };
        sections
            .entry(section.clone())
            .or_default()
            .insert(key, value.trim().to_owned());
    }
    Ok(sections)
}

impl fmt::Debug for IniFileProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IniFileProvider")
            .field("path", &self.path)
            .field("profile_name", &self.profile_name)
            .field("inner", &self.inner.get().map(|l| &l.provider))
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ProvideCredentials for IniFileProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let loaded = self.inner.get_or_try_init(|| self.load()).await?;
        loaded
            .provider
            .provide_credentials()
            .await
            .map_err(|e| inner_error(e, &loaded.context))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_configparser() {
        let text = "\
# comment
; another
[default]
type = access_key
Access_Key_Id = LTAIFAKE   # trailing comment
access_key_secret: FAKE-SECRET

[other]
type=sts
";
        let s = parse_ini(text).unwrap();
        assert_eq!(s["default"]["type"], "access_key");
        assert_eq!(s["default"]["access_key_id"], "LTAIFAKE");
        assert_eq!(s["default"]["access_key_secret"], "FAKE-SECRET");
        assert_eq!(s["other"]["type"], "sts");
    }

    #[test]
    fn malformed_lines_are_reported_by_number_only() {
        let e = parse_ini("[default]\naccess_key_secret FAKE-SECRET\n").unwrap_err();
        assert_eq!(e, "line 2: expected `key = value`");
        let e = parse_ini("[default\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let e = parse_ini("type = access_key\n").unwrap_err();
        assert!(e.contains("outside"), "{e}");
    }
}
