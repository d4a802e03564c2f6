//! D5: names to the exact values `CreateJob` needs, looked up in AI
//! Workspace.

use futures::TryStreamExt;

use super::{JobError, Jobs};

/// An image found in AI Workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// The image id (`image-...`).
    pub image_id: String,
    /// The image name (`pytorch-training:2.5.1-gpu-...`).
    pub name: String,
    /// The image URI, verbatim, to put in [`TaskSpecBuilder::image`].
    ///
    /// [`TaskSpecBuilder::image`]: super::TaskSpecBuilder::image
    pub image_uri: String,
}

/// Most close matches listed in a not-found error.
const CLOSE_MATCHES: usize = 5;
/// Upper bound of pages read from one list call.
const MAX_PAGES: usize = 50;

struct Candidate {
    id: String,
    name: String,
    uri: Option<String>,
}

impl Jobs {
    /// Finds an image by id, name or URI and returns its verbatim image URI.
    ///
    /// Official images are global and always searched; with `workspace_id`
    /// the workspace's own images are searched too. The URI is the image's
    /// `ImageUri`, or its `system.imageUri` label when that field is empty.
    /// Nothing found gives [`JobError::ImageNotFound`] listing the closest
    /// names; two images sharing the name give
    /// [`JobError::AmbiguousImage`].
    pub async fn resolve_image(
        &self,
        name_or_id: &str,
        workspace_id: Option<&str>,
    ) -> Result<ResolvedImage, JobError> {
        let query = name_or_id.trim();
        if query.is_empty() {
            return Err(JobError::Invalid {
                field: "Image".into(),
                reason: "an image name, id or URI is needed".into(),
            });
        }
        let mut candidates = self.list_images(None).await?;
        if let Some(ws) = workspace_id {
            for c in self.list_images(Some(ws)).await? {
                if !candidates.iter().any(|k| k.id == c.id) {
                    candidates.push(c);
                }
            }
        }
        let by_id_or_uri: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.id == query || c.uri.as_deref() == Some(query))
            .collect();
        let by_name: Vec<&Candidate> = candidates.iter().filter(|c| c.name == query).collect();
        let found = if !by_id_or_uri.is_empty() {
            by_id_or_uri
        } else {
            by_name
        };
        match found.as_slice() {
            [] => Err(JobError::ImageNotFound {
                query: query.to_owned(),
                close_matches: close_matches(query, candidates.iter().map(|c| c.name.as_str())),
            }),
            [one] => {
                let image_uri = one.uri.clone().ok_or_else(|| JobError::ImageWithoutUri {
                    image_id: one.id.clone(),
                })?;
                Ok(ResolvedImage {
                    image_id: one.id.clone(),
                    name: one.name.clone(),
                    image_uri,
                })
            }
            many => Err(JobError::AmbiguousImage {
                query: query.to_owned(),
                candidates: many.iter().map(|c| c.id.clone()).collect(),
            }),
        }
    }

    async fn list_images(&self, workspace_id: Option<&str>) -> Result<Vec<Candidate>, JobError> {
        let mut call = self.workspace.list_images().verbose(true);
        if let Some(ws) = workspace_id {
            call = call.workspace_id(ws);
        }
        let images: Vec<_> = call
            .into_paginator()
            .page_size(100)
            .max_pages(MAX_PAGES)
            .items()
            .try_collect()
            .await
            .map_err(JobError::api("ListImages"))?;
        Ok(images
            .into_iter()
            .filter_map(|i| {
                let id = i.image_id()?.to_owned();
                let label_uri = i
                    .labels()
                    .iter()
                    .find(|l| l.key() == Some("system.imageUri"))
                    .and_then(|l| l.value());
                let uri = i
                    .image_uri()
                    .filter(|u| !u.is_empty())
                    .or(label_uri)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned);
                Some(Candidate {
                    name: i.name().unwrap_or_default().to_owned(),
                    id,
                    uri,
                })
            })
            .collect())
    }

    /// Finds a dataset of the workspace by id or name and returns its id
    /// (the `DataSourceId` of a [`DataSource`](super::DataSource)).
    pub async fn resolve_dataset(
        &self,
        workspace_id: &str,
        name_or_id: &str,
    ) -> Result<String, JobError> {
        let query = name_or_id.trim();
        let datasets: Vec<_> = self
            .workspace
            .list_datasets()
            .workspace_id(workspace_id)
            .into_paginator()
            .page_size(100)
            .max_pages(MAX_PAGES)
            .items()
            .try_collect()
            .await
            .map_err(JobError::api("ListDatasets"))?;
        let pairs: Vec<(String, String)> = datasets
            .iter()
            .filter_map(|d| {
                Some((
                    d.dataset_id()?.to_owned(),
                    d.name().unwrap_or_default().to_owned(),
                ))
            })
            .collect();
        pick(&pairs, query).ok_or_else(|| JobError::DatasetNotFound {
            query: query.to_owned(),
            workspace_id: workspace_id.to_owned(),
            close_matches: close_matches(query, pairs.iter().map(|p| p.1.as_str())),
        })
    }

    /// Finds a code source of the workspace by id or display name and
    /// returns its id (for [`CodeSource::new`](super::CodeSource::new)).
    pub async fn resolve_code_source(
        &self,
        workspace_id: &str,
        name_or_id: &str,
    ) -> Result<String, JobError> {
        let query = name_or_id.trim();
        let sources: Vec<_> = self
            .workspace
            .list_code_sources()
            .workspace_id(workspace_id)
            .into_paginator()
            .page_size(100)
            .max_pages(MAX_PAGES)
            .items()
            .try_collect()
            .await
            .map_err(JobError::api("ListCodeSources"))?;
        let pairs: Vec<(String, String)> = sources
            .iter()
            .filter_map(|c| {
                Some((
                    c.code_source_id()?.to_owned(),
                    c.display_name().unwrap_or_default().to_owned(),
                ))
            })
            .collect();
        pick(&pairs, query).ok_or_else(|| JobError::CodeSourceNotFound {
            query: query.to_owned(),
            workspace_id: workspace_id.to_owned(),
            close_matches: close_matches(query, pairs.iter().map(|p| p.1.as_str())),
        })
    }
}

/// The id of the `(id, name)` pair matching `query` by id, else by name.
fn pick(pairs: &[(String, String)], query: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(id, _)| id == query)
        .or_else(|| pairs.iter().find(|(_, name)| name == query))
        .map(|(id, _)| id.clone())
}

/// Names resembling `query`, closest first: names containing it (or
/// contained in it), then names within a small edit distance of the name
/// or of its repository part (before `:`).
pub(crate) fn close_matches<'a>(query: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let q = query.to_lowercase();
    let mut scored: Vec<(usize, String)> = Vec::new();
    for name in names {
        if name.is_empty() || scored.iter().any(|(_, n)| n == name) {
            continue;
        }
        let n = name.to_lowercase();
        let repo = n.split(':').next().unwrap_or(&n);
        let q_repo = q.split(':').next().unwrap_or(&q);
        let score = if n.contains(&q) || (!repo.is_empty() && q.contains(repo)) {
            0
        } else {
            let d = levenshtein(&q, &n)
                .min(levenshtein(&q, repo))
                .min(levenshtein(q_repo, repo));
            let budget = (q_repo.chars().count() / 3).max(2);
            if d > budget {
                continue;
            }
            d
        };
        scored.push((score, name.to_owned()));
    }
    scored.sort();
    scored
        .into_iter()
        .take(CLOSE_MATCHES)
        .map(|(_, n)| n)
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("same", "same"), 0);
    }

    #[test]
    fn d5_close_matches_rank_substrings_then_typos() {
        let names = [
            "pytorch-training:2.5.1-gpu",
            "pytorch-training:2.5.1-cpu",
            "tensorflow-training:2.16-gpu",
        ];
        let m = close_matches("pytorch", names.iter().copied());
        assert_eq!(m.len(), 2);
        assert!(m.iter().all(|n| n.starts_with("pytorch")));
        let m = close_matches("pytorh-training:9.9", names.iter().copied());
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(close_matches("zzzz", names.iter().copied()).is_empty());
    }
}
