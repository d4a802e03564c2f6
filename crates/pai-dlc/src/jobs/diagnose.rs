//! D8: one report of why a job is where it is.

use std::fmt;

use super::{JobError, JobSnapshot, Jobs};

/// Lines fetched for one part of a diagnosis, or why they could not be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// The lines (already capped).
    Lines(Vec<String>),
    /// The call failed; the report goes on without it.
    Unavailable(String),
}

impl Section {
    fn from(result: Result<Vec<String>, JobError>) -> Self {
        match result {
            Ok(lines) => Section::Lines(lines),
            Err(e) => Section::Unavailable(e.to_string()),
        }
    }

    /// The lines, empty when unavailable.
    pub fn lines(&self) -> &[String] {
        match self {
            Section::Lines(l) => l,
            Section::Unavailable(_) => &[],
        }
    }
}

/// Logs and events of one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodDiagnosis {
    /// The pod id.
    pub pod_id: String,
    /// Its role.
    pub role: String,
    /// Its status.
    pub status: String,
    /// Its last log lines.
    pub logs: Section,
    /// Its last events.
    pub events: Section,
}

/// Everything [`Jobs::diagnose`] gathered, in the order it was gathered:
/// the job, the job's events, the pods' logs, the pods' events.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnosis {
    /// The job when the diagnosis started.
    pub job: JobSnapshot,
    /// The job's last events.
    pub job_events: Section,
    /// The pods looked at (failed ones first, at most [`Limits::pods`]).
    ///
    /// [`Limits::pods`]: super::Limits::pods
    pub pods: Vec<PodDiagnosis>,
    /// Pods left out because of the cap.
    pub pods_skipped: usize,
}

impl Jobs {
    /// Diagnoses a job (D8): reads the job, then its events, then the logs
    /// of its pods, then their events, each capped by [`Limits`].
    ///
    /// Only a failure to read the job itself is an error; a failed log or
    /// event call is recorded as [`Section::Unavailable`].
    ///
    /// [`Limits`]: super::Limits
    pub async fn diagnose(&self, job_id: &str) -> Result<Diagnosis, JobError> {
        let job = self.get(job_id).await?;
        let job_events = Section::from(self.job_events(job_id).await);
        let mut pods: Vec<_> = job.pods.iter().collect();
        // Failed pods tell the most; keep them when the cap bites.
        pods.sort_by_key(|p| match p.status.as_str() {
            "Failed" => 0,
            "Running" | "Pending" => 1,
            _ => 2,
        });
        let cap = self.limits().pods;
        let pods_skipped = pods.len().saturating_sub(cap);
        pods.truncate(cap);
        let mut logs = Vec::with_capacity(pods.len());
        for pod in &pods {
            logs.push(Section::from(self.pod_logs(job_id, &pod.pod_id).await));
        }
        let mut out = Vec::with_capacity(pods.len());
        for (pod, logs) in pods.into_iter().zip(logs) {
            let events = Section::from(self.pod_events(job_id, &pod.pod_id).await);
            out.push(PodDiagnosis {
                pod_id: pod.pod_id.clone(),
                role: pod.role.clone(),
                status: pod.status.clone(),
                logs,
                events,
            });
        }
        Ok(Diagnosis {
            job,
            job_events,
            pods: out,
            pods_skipped,
        })
    }
}

fn write_section(
    f: &mut fmt::Formatter<'_>,
    indent: &str,
    title: &str,
    section: &Section,
) -> fmt::Result {
    match section {
        Section::Lines(lines) if lines.is_empty() => writeln!(f, "{indent}{title}: none"),
        Section::Lines(lines) => {
            writeln!(f, "{indent}{title} (last {}):", lines.len())?;
            for line in lines {
                writeln!(f, "{indent}  {line}")?;
            }
            Ok(())
        }
        Section::Unavailable(why) => writeln!(f, "{indent}{title}: unavailable ({why})"),
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let j = &self.job;
        writeln!(f, "Diagnosis of job {} ({})", j.job_id, j.display_name)?;
        writeln!(f, "  type:      {}", j.job_type)?;
        writeln!(f, "  status:    {}", j.status_line())?;
        if let Some(ws) = &j.workspace_id {
            writeln!(f, "  workspace: {ws}")?;
        }
        if let Some(q) = &j.quota_id {
            writeln!(f, "  quota:     {q}")?;
        }
        if let Some(d) = j.duration_seconds.filter(|d| *d > 0) {
            writeln!(f, "  ran for:   {}m{:02}s", d / 60, d % 60)?;
        }
        writeln!(f)?;
        write_section(f, "", "Job events", &self.job_events)?;
        if self.pods.is_empty() {
            writeln!(f, "\nPods: none scheduled yet")?;
            return Ok(());
        }
        writeln!(f, "\nPod logs:")?;
        for pod in &self.pods {
            let title = format!("{} ({}, {})", pod.pod_id, pod.role, pod.status);
            write_section(f, "  ", &title, &pod.logs)?;
        }
        writeln!(f, "\nPod events:")?;
        for pod in &self.pods {
            let title = format!("{} ({})", pod.pod_id, pod.role);
            write_section(f, "  ", &title, &pod.events)?;
        }
        if self.pods_skipped > 0 {
            writeln!(
                f,
                "\n({} more pod(s) not shown; raise Limits::pods to include them)",
                self.pods_skipped
            )?;
        }
        Ok(())
    }
}
