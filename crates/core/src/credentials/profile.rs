//! Credentials from the aliyun CLI configuration, `~/.aliyun/config.json`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::env::Env;

use super::config::ProviderConfig;
use super::ecs_ram_role::EcsRamRoleProvider;
use super::oidc::OidcRoleProvider;
use super::ram_role_arn::RamRoleArnProvider;
use super::static_provider::StaticProvider;
use super::uri::{self, UriProvider};
use super::{Credentials, CredentialsError, ProvideCredentials, SharedCredentialsProvider};

/// Provider name of [`ProfileProvider`].
pub(crate) const NAME: &str = "cli_profile";

/// Variable selecting the profile (shared with the INI file provider).
pub(crate) const PROFILE_VAR: &str = "ALIBABA_CLOUD_PROFILE";
/// Variable that turns this provider off when `true`.
pub(crate) const DISABLED_VAR: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";

/// Modes of the aliyun CLI that this SDK does not implement.
const UNSUPPORTED_MODES: &[&str] = &[
    "RsaKeyPair",
    "RamRoleArnWithRoleName",
    "External",
    "CloudSSO",
    "OAuth",
    "BearerToken",
    "Anonymous",
];
const SUPPORTED_MODES: &str =
    "AK, StsToken, RamRoleArn, EcsRamRole, ChainableRamRoleArn, OIDC, CredentialsURI";

/// Reads a profile of the aliyun CLI's configuration file,
/// `~/.aliyun/config.json`.
///
/// The profile is the one named by the builder, else by
/// `ALIBABA_CLOUD_PROFILE`, else the file's `current`. Supported modes, with
/// the CLI's field names:
///
/// | mode | fields |
/// |---|---|
/// | `AK` | `access_key_id`, `access_key_secret` |
/// | `StsToken` | the above and `sts_token` |
/// | `RamRoleArn` | the AK fields (and `sts_token` if any), `ram_role_arn`, `ram_session_name`, `expired_seconds`, `policy`, `external_id`, `sts_region`, `enable_vpc` |
/// | `EcsRamRole` | `ram_role_name` (optional) |
/// | `ChainableRamRoleArn` | `source_profile` and the role fields of `RamRoleArn` |
/// | `OIDC` | `ram_role_arn`, `oidc_provider_arn`, `oidc_token_file`, `ram_session_name`, `expired_seconds`, `policy`, `sts_region` |
/// | `CredentialsURI` | `credentials_uri` (else `ALIBABA_CLOUD_CREDENTIALS_URI`) |
///
/// Outcomes: no file, no selected profile, a profile named by
/// `ALIBABA_CLOUD_PROFILE` that is not in the file, or
/// `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true` are
/// [`CredentialsError::NotConfigured`]. A file that is not JSON, a `current`
/// profile that does not exist, an unknown or unsupported mode, a missing
/// field or a `source_profile` loop are [`CredentialsError::InvalidConfig`].
///
/// The file is read once; the provider it describes is then kept (and caches
/// temporary credentials itself).
pub struct ProfileProvider {
    config: ProviderConfig,
    path: Option<PathBuf>,
    profile_name: Option<String>,
    inner: tokio::sync::OnceCell<Loaded>,
}

struct Loaded {
    context: String,
    provider: SharedCredentialsProvider,
}

impl ProfileProvider {
    /// Reads `~/.aliyun/config.json` of `config`'s environment.
    pub fn new(config: &ProviderConfig) -> Self {
        Self {
            config: config.clone(),
            path: None,
            profile_name: config.profile_name.clone(),
            inner: tokio::sync::OnceCell::new(),
        }
    }

    /// Reads this file instead of `~/.aliyun/config.json`.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Uses this profile instead of `ALIBABA_CLOUD_PROFILE` / `current`.
    pub fn with_profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    async fn load(&self) -> Result<Loaded, CredentialsError> {
        if self.config.flag(DISABLED_VAR) {
            return Err(CredentialsError::not_configured(
                NAME,
                format!("disabled by {DISABLED_VAR}=true"),
            ));
        }
        let path = match &self.path {
            Some(path) => path.clone(),
            None => default_path(&self.config.env).ok_or_else(|| {
                CredentialsError::not_configured(
                    NAME,
                    "no home directory to find ~/.aliyun/config.json in",
                )
            })?,
        };
        let text = match tokio::fs::read_to_string(&path).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
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
        let file = CliConfig::parse(&text, &path)?;
        let (name, explicit) = match self
            .profile_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| self.config.env.var(PROFILE_VAR))
        {
            Some(name) => (name.trim().to_owned(), true),
            None => match &file.current {
                Some(current) => (current.clone(), false),
                None => {
                    return Err(CredentialsError::not_configured(
                        NAME,
                        format!("{} selects no profile (`current` is empty)", path.display()),
                    ));
                }
            },
        };
        if !file.profiles.contains_key(&name) {
            let reason = format!("profile '{name}' is not defined in {}", path.display());
            return Err(if explicit {
                CredentialsError::not_configured(NAME, reason)
            } else {
                CredentialsError::invalid_config(NAME, format!("the current {reason}"))
            });
        }
        let context = format!("profile '{name}' of {}", path.display());
        let builder = Builder {
            file: &file,
            config: &self.config,
            path: &path,
        };
        let provider = builder.build(&name, &mut Vec::new())?;
        tracing::debug!(provider = NAME, profile = %name, path = %path.display(), "loaded CLI profile");
        Ok(Loaded { context, provider })
    }
}

impl fmt::Debug for ProfileProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileProvider")
            .field("path", &self.path)
            .field("profile_name", &self.profile_name)
            .field("inner", &self.inner.get().map(|l| &l.provider))
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl ProvideCredentials for ProfileProvider {
    async fn provide_credentials(&self) -> Result<Credentials, CredentialsError> {
        let loaded = self.inner.get_or_try_init(|| self.load()).await?;
        loaded
            .provider
            .provide_credentials()
            .await
            .map_err(|e| inner_error(e, &loaded.context))
    }
}

/// Errors of the provider a profile describes: the profile was selected, so
/// "not configured" from inside it means the profile is broken.
pub(crate) fn inner_error(error: CredentialsError, context: &str) -> CredentialsError {
    match error {
        CredentialsError::NotConfigured { provider, reason } => {
            CredentialsError::invalid_config(provider, format!("{context}: {reason}"))
        }
        other => other.with_context(context),
    }
}

/// The region (`region_id`) of the selected CLI profile: the one named by
/// `ALIBABA_CLOUD_PROFILE`, else the file's `current`. `None` when there is no
/// file, no such profile, no region in it, or the CLI profile is disabled by
/// `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`.
pub fn profile_region(env: &Env) -> Option<String> {
    if env
        .var(DISABLED_VAR)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return None;
    }
    let path = default_path(env)?;
    let text = std::fs::read_to_string(&path).ok()?;
    let file = CliConfig::parse(&text, &path).ok()?;
    let name = env
        .var(PROFILE_VAR)
        .map(|n| n.trim().to_owned())
        .or(file.current)?;
    let profile = file.profiles.get(&name)?;
    string_field(profile, "region_id")
}

fn default_path(env: &Env) -> Option<PathBuf> {
    Some(env.home_dir()?.join(".aliyun").join("config.json"))
}

/// The parts of the CLI file this provider reads.
struct CliConfig {
    current: Option<String>,
    profiles: HashMap<String, Map<String, Value>>,
}

impl CliConfig {
    fn parse(text: &str, path: &Path) -> Result<Self, CredentialsError> {
        let root: Value = serde_json::from_str(text).map_err(|e| {
            CredentialsError::invalid_config(
                NAME,
                format!(
                    "{} is not valid JSON (line {}, column {})",
                    path.display(),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let Value::Object(root) = root else {
            return Err(CredentialsError::invalid_config(
                NAME,
                format!("{} does not hold a JSON object", path.display()),
            ));
        };
        let current = string_field(&root, "current");
        let mut profiles = HashMap::new();
        match root.get("profiles") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for entry in list {
                    if let Value::Object(profile) = entry {
                        if let Some(name) = string_field(profile, "name") {
                            profiles.entry(name).or_insert_with(|| profile.clone());
                        }
                    }
                }
            }
            Some(_) => {
                return Err(CredentialsError::invalid_config(
                    NAME,
                    format!("`profiles` in {} is not a list", path.display()),
                ));
            }
        }
        Ok(Self { current, profiles })
    }
}

/// A non-empty string field, trimmed.
fn string_field(map: &Map<String, Value>, name: &str) -> Option<String> {
    match map.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// Turns profiles into providers.
struct Builder<'a> {
    file: &'a CliConfig,
    config: &'a ProviderConfig,
    path: &'a Path,
}

/// One profile being turned into a provider.
struct Profile<'a> {
    name: &'a str,
    mode: &'a str,
    fields: &'a Map<String, Value>,
    path: &'a Path,
}

impl Profile<'_> {
    fn get(&self, field: &str) -> Option<String> {
        string_field(self.fields, field)
    }

    fn require(&self, field: &str) -> Result<String, CredentialsError> {
        self.get(field).ok_or_else(|| {
            self.invalid(format!(
                "mode {} needs `{field}`, which is missing or empty",
                self.mode
            ))
        })
    }

    /// A positive number of seconds (a JSON number or a numeric string); 0
    /// or absent means "use the default".
    fn seconds(&self, field: &str) -> Result<Option<u64>, CredentialsError> {
        let bad = || self.invalid(format!("`{field}` must be a whole number of seconds"));
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(|s| (s > 0).then_some(s)).ok_or_else(bad),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map(|s| (s > 0).then_some(s))
                .map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }

    fn flag(&self, field: &str) -> Option<bool> {
        match self.fields.get(field) {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => Some(s.trim().eq_ignore_ascii_case("true")),
            _ => None,
        }
    }

    fn invalid(&self, reason: String) -> CredentialsError {
        CredentialsError::invalid_config(
            NAME,
            format!(
                "profile '{}' of {}: {reason}",
                self.name,
                self.path.display()
            ),
        )
    }
}

impl Builder<'_> {
    fn build(
        &self,
        name: &str,
        visiting: &mut Vec<String>,
    ) -> Result<SharedCredentialsProvider, CredentialsError> {
        if visiting.iter().any(|n| n == name) {
            visiting.push(name.to_owned());
            return Err(CredentialsError::invalid_config(
                NAME,
                format!(
                    "`source_profile` loop in {}: {}",
                    self.path.display(),
                    visiting.join(" -> ")
                ),
            ));
        }
        let Some(fields) = self.file.profiles.get(name) else {
            return Err(CredentialsError::invalid_config(
                NAME,
                format!("profile '{name}' is not defined in {}", self.path.display()),
            ));
        };
        visiting.push(name.to_owned());
        let explicit_mode = string_field(fields, "mode");
        let mode = match &explicit_mode {
            Some(mode) => normalize_mode(mode),
            None => recognize_mode(fields),
        };
        let profile = Profile {
            name,
            mode: mode.unwrap_or(""),
            fields,
            path: self.path,
        };
        let context = format!("profile '{name}' of {}", self.path.display());
        let wrap = |e: CredentialsError| inner_error(e, &context);
        let provider: SharedCredentialsProvider = match mode {
            Some("AK") => Arc::new(StaticProvider::new(
                profile.require("access_key_id")?,
                profile.require("access_key_secret")?,
            )),
            Some("StsToken") => Arc::new(StaticProvider::with_security_token(
                profile.require("access_key_id")?,
                profile.require("access_key_secret")?,
                profile.require("sts_token")?,
            )),
            Some("RamRoleArn") => {
                let id = profile.require("access_key_id")?;
                let secret = profile.require("access_key_secret")?;
                let source: SharedCredentialsProvider = match profile.get("sts_token") {
                    Some(token) => Arc::new(StaticProvider::with_security_token(id, secret, token)),
                    None => Arc::new(StaticProvider::new(id, secret)),
                };
                Arc::new(self.assume_role(&profile, source).map_err(wrap)?)
            }
            Some("ChainableRamRoleArn") => {
                let source_name = profile.require("source_profile")?;
                let source = self.build(&source_name, visiting)?;
                Arc::new(self.assume_role(&profile, source).map_err(wrap)?)
            }
            Some("EcsRamRole") => {
                let mut builder = EcsRamRoleProvider::builder().config(self.config);
                if let Some(role) = profile.get("ram_role_name") {
                    builder = builder.role_name(role);
                }
                Arc::new(builder.build())
            }
            Some("OIDC") => {
                let mut builder = OidcRoleProvider::builder(
                    profile.require("ram_role_arn")?,
                    profile.require("oidc_provider_arn")?,
                    profile.require("oidc_token_file")?,
                )
                .config(self.config);
                // The CLI stores the session name as `ram_session_name`; the
                // Python SDK reads `role_session_name` for this mode.
                if let Some(session) = profile
                    .get("ram_session_name")
                    .or_else(|| profile.get("role_session_name"))
                {
                    builder = builder.role_session_name(session);
                }
                if let Some(seconds) = profile.seconds("expired_seconds")? {
                    builder = builder.duration_seconds(seconds);
                }
                if let Some(policy) = profile.get("policy") {
                    builder = builder.policy(policy);
                }
                if let Some(region) = profile.get("sts_region") {
                    builder = builder.sts_region(region);
                }
                if let Some(vpc) = profile.flag("enable_vpc") {
                    builder = builder.sts_vpc(vpc);
                }
                Arc::new(builder.build().map_err(wrap)?)
            }
            Some("CredentialsURI") => {
                let uri = profile
                    .get("credentials_uri")
                    .or_else(|| self.config.env.var(uri::URI_VAR))
                    .ok_or_else(|| {
                        profile.invalid(format!(
                            "mode CredentialsURI needs `credentials_uri` (or {})",
                            uri::URI_VAR
                        ))
                    })?;
                Arc::new(UriProvider::new(&uri, self.config).map_err(wrap)?)
            }
            Some(unsupported) => {
                return Err(profile.invalid(format!(
                    "mode {unsupported} is not supported by this SDK (supported: {SUPPORTED_MODES})"
                )));
            }
            None => {
                return Err(profile.invalid(match explicit_mode {
                    Some(mode) => format!("unknown mode {mode:?} (supported: {SUPPORTED_MODES})"),
                    None => format!(
                        "no `mode`, and the fields do not say which one (supported: {SUPPORTED_MODES})"
                    ),
                }));
            }
        };
        visiting.pop();
        Ok(provider)
    }

    fn assume_role(
        &self,
        profile: &Profile<'_>,
        source: SharedCredentialsProvider,
    ) -> Result<RamRoleArnProvider, CredentialsError> {
        let mut builder = RamRoleArnProvider::builder(source, profile.require("ram_role_arn")?)
            .config(self.config);
        if let Some(session) = profile.get("ram_session_name") {
            builder = builder.role_session_name(session);
        }
        if let Some(seconds) = profile.seconds("expired_seconds")? {
            builder = builder.duration_seconds(seconds);
        }
        if let Some(policy) = profile.get("policy") {
            builder = builder.policy(policy);
        }
        if let Some(external_id) = profile.get("external_id") {
            builder = builder.external_id(external_id);
        }
        if let Some(region) = profile.get("sts_region") {
            builder = builder.sts_region(region);
        }
        if let Some(vpc) = profile.flag("enable_vpc") {
            builder = builder.sts_vpc(vpc);
        }
        builder.build()
    }
}

/// The canonical spelling of a mode (the CLI compares modes ignoring case).
/// Known but unsupported modes come back as themselves; unknown ones as `None`.
fn normalize_mode(mode: &str) -> Option<&'static str> {
    const SUPPORTED: &[&str] = &[
        "AK",
        "StsToken",
        "RamRoleArn",
        "EcsRamRole",
        "ChainableRamRoleArn",
        "OIDC",
        "CredentialsURI",
    ];
    SUPPORTED
        .iter()
        .chain(UNSUPPORTED_MODES)
        .find(|m| m.eq_ignore_ascii_case(mode.trim()))
        .copied()
}

/// The mode of a profile without `mode`, guessed from its fields the way the
/// CLI does.
fn recognize_mode(fields: &Map<String, Value>) -> Option<&'static str> {
    let has = |name: &str| string_field(fields, name).is_some();
    if has("access_key_id") && has("access_key_secret") {
        Some(if has("sts_token") {
            "StsToken"
        } else if has("ram_role_arn") {
            "RamRoleArn"
        } else {
            "AK"
        })
    } else if has("ram_role_name") {
        Some("EcsRamRole")
    } else if has("oidc_provider_arn") && has("oidc_token_file") && has("ram_role_arn") {
        Some("OIDC")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_matched_ignoring_case() {
        assert_eq!(normalize_mode("ak"), Some("AK"));
        assert_eq!(
            normalize_mode("chainableramrolearn"),
            Some("ChainableRamRoleArn")
        );
        assert_eq!(normalize_mode("CloudSSO"), Some("CloudSSO"));
        assert_eq!(normalize_mode("Nope"), None);
    }

    #[test]
    fn profile_region_reads_the_selected_profile() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
        std::fs::write(
            home.path().join(".aliyun/config.json"),
            r#"{"current":"a","profiles":[
                {"name":"a","mode":"AK","region_id":"cn-beijing"},
                {"name":"b","mode":"AK","region_id":"ap-southeast-1"},
                {"name":"c","mode":"AK","region_id":""}]}"#,
        )
        .unwrap();
        let env = |vars: &[(&str, &str)]| Env::fake(vars.iter().copied(), Some(home.path().into()));
        assert_eq!(profile_region(&env(&[])).as_deref(), Some("cn-beijing"));
        assert_eq!(
            profile_region(&env(&[(PROFILE_VAR, "b")])).as_deref(),
            Some("ap-southeast-1")
        );
        assert_eq!(profile_region(&env(&[(PROFILE_VAR, "c")])), None);
        assert_eq!(profile_region(&env(&[(PROFILE_VAR, "zz")])), None);
        assert_eq!(profile_region(&env(&[(DISABLED_VAR, "TRUE")])), None);
        assert_eq!(profile_region(&Env::fake::<&str, &str>([], None)), None);
    }
}
