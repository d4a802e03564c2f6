//! D9: the ECS specs DLC jobs can run on, sorted on the client.

use std::cmp::Ordering;

use futures::TryStreamExt;

use crate::types::EcsSpec;

use super::{JobError, Jobs};

/// Accelerator filter of [`EcsSpecQuery`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accelerator {
    /// Specs with GPUs.
    Gpu,
    /// Specs without GPUs.
    Cpu,
}

impl Accelerator {
    fn as_str(self) -> &'static str {
        match self {
            Accelerator::Gpu => "GPU",
            Accelerator::Cpu => "CPU",
        }
    }
}

/// Sort key of [`EcsSpecQuery`]. The service rejects `SortBy` on
/// `ListEcsSpecs`, so sorting always happens here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EcsSpecSort {
    /// By instance type name (ascending by default).
    #[default]
    InstanceType,
    /// By GPU count.
    Gpu,
    /// By GPU memory.
    GpuMemory,
    /// By vCPU count.
    Cpu,
    /// By memory.
    Memory,
}

/// Which ECS specs [`Jobs::list_ecs_specs`] returns and in which order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EcsSpecQuery {
    accelerator: Option<Accelerator>,
    instance_types: Vec<String>,
    available_only: bool,
    sort: EcsSpecSort,
    descending: bool,
}

impl EcsSpecQuery {
    /// All specs, by instance type name.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only GPU or only CPU specs.
    pub fn accelerator(mut self, accelerator: Accelerator) -> Self {
        self.accelerator = Some(accelerator);
        self
    }

    /// Only these instance types.
    pub fn instance_types(mut self, types: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.instance_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Only specs the service reports as available (with stock).
    pub fn available_only(mut self, only: bool) -> Self {
        self.available_only = only;
        self
    }

    /// Sorts by `key`, largest first when `descending`; ties are broken by
    /// instance type name.
    pub fn sort_by(mut self, key: EcsSpecSort, descending: bool) -> Self {
        self.sort = key;
        self.descending = descending;
        self
    }
}

impl Jobs {
    /// The ECS specs DLC offers for pay-as-you-go jobs, filtered and sorted
    /// as `query` says (D9). Every page is read; sorting is done here since
    /// the service refuses `SortBy` for this call.
    pub async fn list_ecs_specs(&self, query: EcsSpecQuery) -> Result<Vec<EcsSpec>, JobError> {
        let mut call = self.dlc.list_ecs_specs().resource_type("ECS");
        if let Some(a) = query.accelerator {
            call = call.accelerator_type(a.as_str());
        }
        if !query.instance_types.is_empty() {
            call = call.instance_types(query.instance_types.join(","));
        }
        let mut specs: Vec<EcsSpec> = call
            .into_paginator()
            .page_size(100)
            .max_pages(50)
            .items()
            .try_collect()
            .await
            .map_err(JobError::api("ListEcsSpecs"))?;
        if query.available_only {
            specs.retain(|s| s.is_available() == Some(true));
        }
        let key = |s: &EcsSpec| -> i64 {
            let v = match query.sort {
                EcsSpecSort::InstanceType => None,
                EcsSpecSort::Gpu => s.gpu(),
                EcsSpecSort::GpuMemory => s.gpu_memory(),
                EcsSpecSort::Cpu => s.cpu(),
                EcsSpecSort::Memory => s.memory(),
            };
            i64::from(v.unwrap_or(0))
        };
        let name = |s: &EcsSpec| s.instance_type().unwrap_or_default().to_owned();
        specs.sort_by(|a, b| {
            let primary = match query.sort {
                EcsSpecSort::InstanceType => name(a).cmp(&name(b)),
                _ => key(a).cmp(&key(b)),
            };
            let primary = if query.descending {
                primary.reverse()
            } else {
                primary
            };
            match primary {
                Ordering::Equal => name(a).cmp(&name(b)),
                other => other,
            }
        });
        Ok(specs)
    }
}
