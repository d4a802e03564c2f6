//! Process environment access that tests can replace.
//!
//! Providers and config loading read variables and the home directory through
//! [`Env`], never through `std::env` directly, so a test can describe the
//! whole environment without touching the process's own.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A view of environment variables and the home directory.
///
/// `Debug` shows variable names only: values may be secrets.
#[derive(Clone)]
pub struct Env {
    inner: Arc<Inner>,
}

enum Inner {
    Process,
    Fake {
        vars: HashMap<String, String>,
        home: Option<PathBuf>,
    },
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.inner {
            Inner::Process => f.write_str("Env(process)"),
            Inner::Fake { vars, home } => {
                let mut names: Vec<&str> = vars.keys().map(String::as_str).collect();
                names.sort_unstable();
                f.debug_struct("Env")
                    .field("vars", &names)
                    .field("home", home)
                    .finish()
            }
        }
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::process()
    }
}

impl Env {
    /// The real process environment.
    pub fn process() -> Self {
        Self {
            inner: Arc::new(Inner::Process),
        }
    }

    /// A fixed environment holding only `vars`, with `home` as home directory.
    pub fn fake<K, V>(vars: impl IntoIterator<Item = (K, V)>, home: Option<PathBuf>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            inner: Arc::new(Inner::Fake {
                vars: vars
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
                home,
            }),
        }
    }

    /// A variable's value; unset and empty (after trimming) both give `None`.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &*self.inner {
            Inner::Process => std::env::var(name).ok(),
            Inner::Fake { vars, .. } => vars.get(name).cloned(),
        }?;
        if value.trim().is_empty() {
            None
        } else {
            Some(value)
        }
    }

    /// The user's home directory.
    pub fn home_dir(&self) -> Option<PathBuf> {
        match &*self.inner {
            Inner::Process => std::env::var_os("HOME")
                .or_else(|| std::env::var_os("USERPROFILE"))
                .filter(|h| !h.is_empty())
                .map(PathBuf::from),
            Inner::Fake { home, .. } => home.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_env_answers_only_what_it_holds() {
        let env = Env::fake([("A", "1"), ("EMPTY", "  ")], Some(PathBuf::from("/h")));
        assert_eq!(env.var("A").as_deref(), Some("1"));
        assert_eq!(env.var("EMPTY"), None);
        assert_eq!(env.var("B"), None);
        assert_eq!(env.home_dir(), Some(PathBuf::from("/h")));
    }

    #[test]
    fn debug_shows_names_not_values() {
        let env = Env::fake(
            [(
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "FAKE-SECRET-do-not-print",
            )],
            None,
        );
        let shown = format!("{env:?}");
        assert!(shown.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), "{shown}");
        assert!(!shown.contains("FAKE-SECRET"), "{shown}");
    }
}
