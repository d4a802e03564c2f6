//! The typed diagnosis report (S6).

use std::fmt;

use serde_json::Value;

/// One issue the diagnosis found.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Severity (`critical`, `warning`, ...), when given.
    pub severity: Option<String>,
    /// Category (`gpu_memory`, `scheduling`, ...), when given.
    pub category: Option<String>,
    /// Short title, when given.
    pub title: Option<String>,
    /// Details, when given.
    pub detail: Option<String>,
    /// The issue as the service returned it.
    pub raw: Value,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.severity {
            write!(f, "[{s}] ")?;
        }
        match &self.title {
            Some(t) => f.write_str(t)?,
            None => write!(f, "{}", self.raw)?,
        }
        if let Some(c) = &self.category {
            write!(f, " ({c})")?;
        }
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// The result of a successful diagnosis: only what the service returned,
/// nothing filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagnosisReport {
    /// `summary.overall_status` (`normal`, `warning`, `critical`, ...).
    pub overall_status: String,
    /// `summary.root_cause`, when given.
    pub root_cause: Option<String>,
    /// `summary.suggestions`.
    pub suggestions: Vec<String>,
    /// `issues`.
    pub issues: Vec<Issue>,
    /// The whole `result` object.
    pub raw: Value,
}

/// Why a `result` could not be read as a report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the diagnosis result is not a report: {0}")]
pub struct MalformedReport(pub String);

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Null | Value::String(_) => None,
        other => Some(other.to_string()),
    }
}

impl DiagnosisReport {
    /// Reads the `result` of GetDiagnosisResult (an object, or an object
    /// encoded as a JSON string). `summary.overall_status` is required.
    pub fn from_result(result: &Value) -> Result<DiagnosisReport, MalformedReport> {
        let parsed;
        let result = match result {
            Value::String(s) => {
                parsed = serde_json::from_str::<Value>(s).map_err(|e| {
                    MalformedReport(format!("result is a string but not JSON ({e})"))
                })?;
                &parsed
            }
            other => other,
        };
        let summary = result
            .get("summary")
            .filter(|s| s.is_object())
            .ok_or_else(|| MalformedReport("no `summary` object".to_owned()))?;
        let overall_status = summary
            .get("overall_status")
            .and_then(text)
            .ok_or_else(|| MalformedReport("no `summary.overall_status`".to_owned()))?;
        let root_cause = summary.get("root_cause").and_then(text);
        let suggestions = match summary.get("suggestions") {
            Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
            Some(v) => text(v).into_iter().collect(),
            None => Vec::new(),
        };
        let issues = match result.get("issues") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| Issue {
                    severity: i.get("severity").and_then(text),
                    category: i.get("category").and_then(text),
                    title: i.get("title").and_then(text),
                    detail: i.get("detail").and_then(text),
                    raw: i.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(DiagnosisReport {
            overall_status,
            root_cause,
            suggestions,
            issues,
            raw: result.clone(),
        })
    }
}

impl fmt::Display for DiagnosisReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Overall status: {}", self.overall_status)?;
        writeln!(
            f,
            "Root cause: {}",
            self.root_cause.as_deref().unwrap_or("(none reported)")
        )?;
        if self.suggestions.is_empty() {
            writeln!(f, "Suggestions: (none)")?;
        } else {
            writeln!(f, "Suggestions:")?;
            for (i, s) in self.suggestions.iter().enumerate() {
                writeln!(f, "  {}. {s}", i + 1)?;
            }
        }
        if self.issues.is_empty() {
            write!(f, "Issues: (none)")
        } else {
            write!(f, "Issues:")?;
            for issue in &self.issues {
                write!(f, "\n  - {issue}")?;
            }
            Ok(())
        }
    }
}
