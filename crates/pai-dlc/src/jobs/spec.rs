//! The checked job description: [`JobSpec`] and its parts.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::operations::create_job::{CreateJobBuilder, CreateJobCodeSource, CreateJobDataSource};
use crate::{Client, types};

use super::{JobError, JobType};

/// Where the pods of a task spec run.
#[derive(Debug, Clone, PartialEq)]
pub enum Compute {
    /// Public pay-as-you-go resources: an ECS spec from
    /// [`list_ecs_specs`](super::Jobs::list_ecs_specs), such as
    /// `ecs.gn6i-c4g1.xlarge`. The job takes no quota id.
    EcsSpec(String),
    /// Resources carved out of a dedicated quota (Lingjun or an enterprise
    /// quota): the job must name the quota ([`JobSpecBuilder::quota_id`]).
    ResourceConfig(types::ResourceConfig),
}

/// Spot (preemptible) pricing of a task spec. The service's only strategy,
/// `SpotWithPriceLimit`, takes either a discount limit or a price limit,
/// never both, which this enum makes impossible to get wrong.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spot {
    /// The highest acceptable discount rate, in `(0, 1]` (0.8: at most 80%
    /// of the pay-as-you-go price).
    MaxDiscount(f64),
    /// The highest acceptable price, in CNY per minute.
    MaxPricePerMinute(f64),
}

impl Spot {
    fn check(self, role: &str) -> Result<types::SpotSpec, JobError> {
        let spec = types::SpotSpec::default().with_spot_strategy("SpotWithPriceLimit");
        match self {
            Spot::MaxDiscount(d) if d.is_finite() && d > 0.0 && d <= 1.0 => {
                Ok(spec.with_spot_discount_limit(d))
            }
            Spot::MaxDiscount(d) => Err(JobError::Invalid {
                field: format!("JobSpecs[{role}].SpotSpec.SpotDiscountLimit"),
                reason: format!("{d} is not a discount rate in (0, 1]"),
            }),
            Spot::MaxPricePerMinute(p) if p.is_finite() && p > 0.0 => {
                Ok(spec.with_spot_price_limit(p))
            }
            Spot::MaxPricePerMinute(p) => Err(JobError::Invalid {
                field: format!("JobSpecs[{role}].SpotSpec.SpotPriceLimit"),
                reason: format!("{p} is not a positive price"),
            }),
        }
    }
}

/// One role of a job (Worker, Master, PS, ...): its image, pod count and
/// resources. Built with [`TaskSpec::builder`], which checks that exactly
/// one of ECS spec and resource config is set.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    role: String,
    image: String,
    pod_count: u32,
    compute: Compute,
    spot: Option<types::SpotSpec>,
    restart_policy: Option<String>,
}

impl TaskSpec {
    /// Starts a task spec for `role` (`Worker`, `Master`, `Chief`, `PS`,
    /// ...; which roles are allowed depends on the job type and is checked
    /// by [`JobSpecBuilder::build`]).
    pub fn builder(role: impl Into<String>) -> TaskSpecBuilder {
        TaskSpecBuilder {
            role: role.into(),
            image: None,
            pod_count: 1,
            ecs_spec: None,
            resource_config: None,
            spot: None,
            restart_policy: None,
        }
    }

    /// The role.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The image URI.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// How many pods run this role.
    pub fn pod_count(&self) -> u32 {
        self.pod_count
    }

    /// Where the pods run.
    pub fn compute(&self) -> &Compute {
        &self.compute
    }

    /// The generated wire type.
    pub fn to_wire(&self) -> types::JobSpec {
        let mut spec = types::JobSpec::default()
            .with_type(self.role.clone())
            .with_image(self.image.clone())
            .with_pod_count(i64::from(self.pod_count));
        spec = match &self.compute {
            Compute::EcsSpec(s) => spec.with_ecs_spec(s.clone()),
            Compute::ResourceConfig(rc) => spec.with_resource_config(rc.clone()),
        };
        if let Some(spot) = &self.spot {
            spec = spec
                .with_use_spot_instance(true)
                .with_spot_spec(spot.clone());
        }
        if let Some(policy) = &self.restart_policy {
            spec = spec.with_restart_policy(policy.clone());
        }
        spec
    }
}

/// Builder of a [`TaskSpec`].
#[derive(Debug, Clone)]
pub struct TaskSpecBuilder {
    role: String,
    image: Option<String>,
    pod_count: u32,
    ecs_spec: Option<String>,
    resource_config: Option<types::ResourceConfig>,
    spot: Option<Spot>,
    restart_policy: Option<String>,
}

impl TaskSpecBuilder {
    /// The image URI, verbatim as AI Workspace lists it (see
    /// [`Jobs::resolve_image`](super::Jobs::resolve_image)). Required.
    pub fn image(mut self, image_uri: impl Into<String>) -> Self {
        self.image = Some(image_uri.into());
        self
    }

    /// Number of pods of this role (default 1, at least 1). Multi-node
    /// training raises the Worker count.
    pub fn pod_count(mut self, count: u32) -> Self {
        self.pod_count = count;
        self
    }

    /// Runs on public pay-as-you-go resources of this ECS spec. Exclusive
    /// with [`resource_config`](Self::resource_config).
    pub fn ecs_spec(mut self, spec: impl Into<String>) -> Self {
        self.ecs_spec = Some(spec.into());
        self
    }

    /// Runs on quota resources of this size (`CPU`, `Memory` such as
    /// `8Gi`, `GPU`, ...). Exclusive with [`ecs_spec`](Self::ecs_spec); the
    /// job then needs [`JobSpecBuilder::quota_id`].
    pub fn resource_config(mut self, config: types::ResourceConfig) -> Self {
        self.resource_config = Some(config);
        self
    }

    /// Uses spot (preemptible) instances with this price guard: cheaper,
    /// but pods may be reclaimed.
    pub fn spot(mut self, spot: Spot) -> Self {
        self.spot = Some(spot);
        self
    }

    /// The pod restart policy passed to the service (for example
    /// `OnFailure`).
    pub fn restart_policy(mut self, policy: impl Into<String>) -> Self {
        self.restart_policy = Some(policy.into());
        self
    }

    /// Checks the task spec: a role name, an image, at least one pod, and
    /// exactly one of ECS spec and resource config.
    pub fn build(self) -> Result<TaskSpec, JobError> {
        let role = self.role.trim().to_owned();
        if role.is_empty() || role.chars().any(char::is_whitespace) {
            return Err(JobError::Invalid {
                field: "JobSpecs[].Type".into(),
                reason: format!("`{}` is not a role name", self.role),
            });
        }
        let image = self
            .image
            .map(|i| i.trim().to_owned())
            .filter(|i| !i.is_empty())
            .ok_or(JobError::Missing {
                field: "JobSpecs[].Image",
                why: "every task spec runs an image (an ImageUri from AI Workspace ListImages)",
            })?;
        if self.pod_count == 0 {
            return Err(JobError::Invalid {
                field: format!("JobSpecs[{role}].PodCount"),
                reason: "must be at least 1".into(),
            });
        }
        let ecs = self
            .ecs_spec
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let compute = match (ecs, self.resource_config) {
            (Some(_), Some(_)) => return Err(JobError::BothEcsSpecAndResourceConfig { role }),
            (None, None) => return Err(JobError::NoCompute { role }),
            (Some(ecs), None) => Compute::EcsSpec(ecs),
            (None, Some(rc)) => {
                for (name, value) in [("CPU", rc.cpu()), ("Memory", rc.memory())] {
                    if value.is_none_or(|v| v.trim().is_empty()) {
                        return Err(JobError::Invalid {
                            field: format!("JobSpecs[{role}].ResourceConfig.{name}"),
                            reason: "a quota task spec must say how much it needs".into(),
                        });
                    }
                }
                Compute::ResourceConfig(rc)
            }
        };
        let spot = self.spot.map(|s| s.check(&role)).transpose()?;
        Ok(TaskSpec {
            role,
            image,
            pod_count: self.pod_count,
            compute,
            spot,
            restart_policy: self.restart_policy,
        })
    }
}

/// A data source mounted into the job's pods: a dataset registered in AI
/// Workspace, or a storage URI (exactly one of the two).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataSource {
    uri: Option<String>,
    dataset_id: Option<String>,
    mount_path: Option<String>,
    read_only: Option<bool>,
}

impl DataSource {
    /// A dataset by its id (from AI Workspace `ListDatasets`, see
    /// [`Jobs::resolve_dataset`](super::Jobs::resolve_dataset)).
    pub fn dataset(id: impl Into<String>) -> Self {
        Self {
            dataset_id: Some(id.into()),
            ..Self::default()
        }
    }

    /// A storage URI such as `oss://bucket.oss-cn-hangzhou.aliyuncs.com/data/`.
    pub fn uri(uri: impl Into<String>) -> Self {
        Self {
            uri: Some(uri.into()),
            ..Self::default()
        }
    }

    /// Also sets the URI. Together with a dataset id this is refused by
    /// [`JobSpecBuilder::build`]; it exists to take over values from
    /// elsewhere unchanged and let the check speak.
    pub fn with_uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// Also sets the dataset id (see [`with_uri`](Self::with_uri)).
    pub fn with_dataset_id(mut self, id: impl Into<String>) -> Self {
        self.dataset_id = Some(id.into());
        self
    }

    /// Where it is mounted in the pods (default: the dataset's own mount
    /// path).
    pub fn mount_path(mut self, path: impl Into<String>) -> Self {
        self.mount_path = Some(path.into());
        self
    }

    /// Mounts it read-only (`RO`) or read-write (`RW`).
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = Some(read_only);
        self
    }

    fn to_wire(&self, index: usize) -> Result<CreateJobDataSource, JobError> {
        let uri = self.uri.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let id = self
            .dataset_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut wire = match (uri, id) {
            (Some(_), Some(_)) => return Err(JobError::DataSourceBoth { index }),
            (None, None) => return Err(JobError::DataSourceNeither { index }),
            (Some(uri), None) => CreateJobDataSource::default().with_uri(uri),
            (None, Some(id)) => CreateJobDataSource::default().with_data_source_id(id),
        };
        if let Some(path) = &self.mount_path {
            wire = wire.with_mount_path(path.clone());
        }
        if let Some(ro) = self.read_only {
            wire = wire.with_mount_access(if ro { "RO" } else { "RW" });
        }
        Ok(wire)
    }
}

/// A code source registered in AI Workspace, checked out into the pods.
///
/// `CreateJob`'s code source carries only a code source id (the API
/// description has no `Uri` member for it), so a code source is always
/// named by its id, from `ListCodeSources` (see
/// [`Jobs::resolve_code_source`](super::Jobs::resolve_code_source)).
#[derive(Debug, Clone, PartialEq)]
pub struct CodeSource {
    id: String,
    branch: Option<String>,
    commit: Option<String>,
    mount_path: Option<String>,
}

impl CodeSource {
    /// The code source with this id.
    pub fn new(code_source_id: impl Into<String>) -> Self {
        Self {
            id: code_source_id.into(),
            branch: None,
            commit: None,
            mount_path: None,
        }
    }

    /// Checks out this branch instead of the code source's default.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.branch = Some(branch.into());
        self
    }

    /// Checks out this commit.
    pub fn commit(mut self, commit: impl Into<String>) -> Self {
        self.commit = Some(commit.into());
        self
    }

    /// Where the code is placed in the pods.
    pub fn mount_path(mut self, path: impl Into<String>) -> Self {
        self.mount_path = Some(path.into());
        self
    }

    fn to_wire(&self) -> Result<CreateJobCodeSource, JobError> {
        let id = self.id.trim();
        if id.is_empty() {
            return Err(JobError::Invalid {
                field: "CodeSource.CodeSourceId".into(),
                reason: "is empty".into(),
            });
        }
        let mut wire = CreateJobCodeSource::default().with_code_source_id(id);
        if let Some(b) = &self.branch {
            wire = wire.with_branch(b.clone());
        }
        if let Some(c) = &self.commit {
            wire = wire.with_commit(c.clone());
        }
        if let Some(m) = &self.mount_path {
            wire = wire.with_mount_path(m.clone());
        }
        Ok(wire)
    }
}

/// A complete, checked description of a DLC job, ready to be submitted
/// with [`Jobs::submit`](super::Jobs::submit) or turned into a raw
/// `CreateJob` call with [`create_job`](Self::create_job).
///
/// Only [`JobSpec::builder`] makes one, and its
/// [`build`](JobSpecBuilder::build) refuses what the service would reject
/// or silently reinterpret: an unknown job type, a role the type does not
/// accept, a task spec with both or neither of ECS spec and resource
/// config, quota resources without a quota id, a data source with both or
/// neither of URI and dataset id, and a missing workspace id (the service
/// would quietly use the default workspace).
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    workspace_id: String,
    display_name: String,
    job_type: JobType,
    user_command: String,
    tasks: Vec<TaskSpec>,
    quota_id: Option<String>,
    data_sources: Vec<CreateJobDataSource>,
    code_source: Option<CreateJobCodeSource>,
    envs: BTreeMap<String, String>,
    priority: Option<i32>,
    max_running_minutes: Option<i64>,
    settings: Option<types::JobSettings>,
    accessibility: Option<&'static str>,
    thirdparty_libs: Vec<String>,
}

impl JobSpec {
    /// Starts a job description.
    pub fn builder() -> JobSpecBuilder {
        JobSpecBuilder::default()
    }

    /// The workspace the job is created in.
    pub fn workspace_id(&self) -> &str {
        &self.workspace_id
    }

    /// The display name (also the key of idempotent submission).
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The job type.
    pub fn job_type(&self) -> JobType {
        self.job_type
    }

    /// The task specs.
    pub fn tasks(&self) -> &[TaskSpec] {
        &self.tasks
    }

    /// The quota id, for quota jobs.
    pub fn quota_id(&self) -> Option<&str> {
        self.quota_id.as_deref()
    }

    /// The auto-stop guard in minutes, if set.
    pub fn max_running_minutes(&self) -> Option<i64> {
        self.max_running_minutes
    }

    /// A generated `CreateJob` call carrying this description, for callers
    /// that want to send it themselves (no duplicate check).
    pub fn create_job(&self, client: &Client) -> CreateJobBuilder {
        let mut call = client
            .create_job()
            .workspace_id(self.workspace_id.clone())
            .display_name(self.display_name.clone())
            .job_type(self.job_type.as_str())
            .user_command(self.user_command.clone())
            .job_specs(self.tasks.iter().map(TaskSpec::to_wire));
        if let Some(q) = &self.quota_id {
            call = call.resource_id(q.clone());
        }
        if !self.data_sources.is_empty() {
            call = call.data_sources(self.data_sources.clone());
        }
        if let Some(cs) = &self.code_source {
            call = call.code_source(cs.clone());
        }
        if !self.envs.is_empty() {
            call = call.envs(self.envs.clone());
        }
        if let Some(p) = self.priority {
            call = call.priority(p);
        }
        if let Some(m) = self.max_running_minutes {
            call = call.job_max_running_time_minutes(m);
        }
        if let Some(s) = &self.settings {
            call = call.settings(s.clone());
        }
        if let Some(a) = self.accessibility {
            call = call.accessibility(a);
        }
        if !self.thirdparty_libs.is_empty() {
            call = call.thirdparty_libs(self.thirdparty_libs.clone());
        }
        call
    }
}

/// Builder of a [`JobSpec`]; nothing is checked before
/// [`build`](Self::build).
#[derive(Debug, Clone, Default)]
pub struct JobSpecBuilder {
    workspace_id: Option<String>,
    display_name: Option<String>,
    job_type: Option<Result<JobType, String>>,
    user_command: Option<String>,
    tasks: Vec<TaskSpec>,
    quota_id: Option<String>,
    data_sources: Vec<DataSource>,
    code_source: Option<CodeSource>,
    envs: BTreeMap<String, String>,
    priority: Option<i32>,
    max_running_time: Option<Duration>,
    sanity_check: Option<bool>,
    sanity_check_args: Option<String>,
    rdma: Option<bool>,
    all_rdma_devices: Option<bool>,
    skip_stock_check: Option<bool>,
    tags: BTreeMap<String, String>,
    public: Option<bool>,
    thirdparty_libs: Vec<String>,
}

impl JobSpecBuilder {
    /// The workspace to create the job in. Required: without it the
    /// service silently picks the account's default workspace.
    pub fn workspace_id(mut self, id: impl Into<String>) -> Self {
        self.workspace_id = Some(id.into());
        self
    }

    /// The display name, 1 to 1024 characters. A sortable
    /// `project-model-date` name is recommended; names cannot be changed
    /// after creation (there is no rename, only recreate). [`Jobs::submit`]
    /// uses it to recognise an earlier attempt.
    ///
    /// [`Jobs::submit`]: super::Jobs::submit
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// The job type.
    pub fn job_type(mut self, job_type: JobType) -> Self {
        self.job_type = Some(Ok(job_type));
        self
    }

    /// The job type by wire name, checked case-sensitively by
    /// [`build`](Self::build).
    pub fn job_type_name(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.job_type = Some(name.parse::<JobType>().map_err(|_| name));
        self
    }

    /// The command every pod runs (for example `python train.py`).
    pub fn user_command(mut self, command: impl Into<String>) -> Self {
        self.user_command = Some(command.into());
        self
    }

    /// Adds a task spec (one per role).
    pub fn task(mut self, task: TaskSpec) -> Self {
        self.tasks.push(task);
        self
    }

    /// The quota (resource group) id of a quota job; required when task
    /// specs use [`Compute::ResourceConfig`] and refused otherwise. Quota
    /// ids are supplied by the user; there is no discovery call for them
    /// in this workflow.
    pub fn quota_id(mut self, id: impl Into<String>) -> Self {
        self.quota_id = Some(id.into());
        self
    }

    /// Adds a data source.
    pub fn data_source(mut self, source: DataSource) -> Self {
        self.data_sources.push(source);
        self
    }

    /// Sets the code source.
    pub fn code_source(mut self, source: CodeSource) -> Self {
        self.code_source = Some(source);
        self
    }

    /// Adds an environment variable of the pods.
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.envs.insert(name.into(), value.into());
        self
    }

    /// The scheduling priority, 1 (lowest) to 9. Best set here: after
    /// creation it can only change for quota jobs that have not started.
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Auto-stop guard: the service stops the job once it has run this
    /// long (sent as whole minutes, rounded up; at least one minute).
    pub fn max_running_time(mut self, limit: Duration) -> Self {
        self.max_running_time = Some(limit);
        self
    }

    /// Runs the GPU sanity check before training starts, to catch faulty
    /// devices early (`Settings.EnableSanityCheck`).
    pub fn sanity_check(mut self, enable: bool) -> Self {
        self.sanity_check = Some(enable);
        self
    }

    /// Extra arguments of the sanity check (`Settings.SanityCheckArgs`);
    /// needs [`sanity_check`](Self::sanity_check) on.
    pub fn sanity_check_args(mut self, args: impl Into<String>) -> Self {
        self.sanity_check_args = Some(args.into());
        self
    }

    /// Uses the RDMA high-performance network between nodes
    /// (`Settings.EnableRDMA`), for multi-node GPU training.
    pub fn rdma(mut self, enable: bool) -> Self {
        self.rdma = Some(enable);
        self
    }

    /// Gives every pod all RDMA devices of its node
    /// (`Settings.AllocateAllRDMADevices`); needs [`rdma`](Self::rdma) on.
    pub fn allocate_all_rdma_devices(mut self, enable: bool) -> Self {
        self.all_rdma_devices = Some(enable);
        self
    }

    /// Skips the service's ECS stock check at creation
    /// (`Settings.DisableEcsStockCheck`); the job then queues until stock
    /// appears.
    pub fn skip_stock_check(mut self, skip: bool) -> Self {
        self.skip_stock_check = Some(skip);
        self
    }

    /// Adds a tag (`Settings.Tags`).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Makes the job visible to the whole workspace (`PUBLIC`) instead of
    /// only its creator (`PRIVATE`, the default).
    pub fn public(mut self, public: bool) -> Self {
        self.public = Some(public);
        self
    }

    /// Adds a Python package installed before the command runs.
    pub fn thirdparty_lib(mut self, package: impl Into<String>) -> Self {
        self.thirdparty_libs.push(package.into());
        self
    }

    /// Checks everything and returns the job description.
    pub fn build(self) -> Result<JobSpec, JobError> {
        let workspace_id = self
            .workspace_id
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty())
            .ok_or(JobError::Missing {
                field: "WorkspaceId",
                why: "without it the service silently uses the default workspace",
            })?;
        let display_name = self
            .display_name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .ok_or(JobError::Missing {
                field: "DisplayName",
                why: "every job needs a name (it is also how a retried submit finds an earlier attempt)",
            })?;
        if display_name.chars().count() > 1024 {
            return Err(JobError::Invalid {
                field: "DisplayName".into(),
                reason: "longer than 1024 characters".into(),
            });
        }
        let job_type = match self.job_type {
            Some(Ok(t)) => t,
            Some(Err(value)) => return Err(JobError::UnknownJobType { value }),
            None => {
                return Err(JobError::Missing {
                    field: "JobType",
                    why: "one of the nine DLC job types",
                });
            }
        };
        let user_command =
            self.user_command
                .filter(|c| !c.trim().is_empty())
                .ok_or(JobError::Missing {
                    field: "UserCommand",
                    why: "the command the pods run",
                })?;
        check_roles(job_type, &self.tasks)?;
        let quota_id = self
            .quota_id
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty());
        check_compute(&self.tasks, quota_id.as_deref())?;
        let data_sources = self
            .data_sources
            .iter()
            .enumerate()
            .map(|(i, d)| d.to_wire(i))
            .collect::<Result<Vec<_>, _>>()?;
        let code_source = self
            .code_source
            .as_ref()
            .map(CodeSource::to_wire)
            .transpose()?;
        if let Some(p) = self.priority {
            if !(1..=9).contains(&p) {
                return Err(JobError::Invalid {
                    field: "Priority".into(),
                    reason: format!("{p} is outside 1..=9"),
                });
            }
        }
        let max_running_minutes = match self.max_running_time {
            None => None,
            Some(d) if d.is_zero() => {
                return Err(JobError::Invalid {
                    field: "JobMaxRunningTimeMinutes".into(),
                    reason: "the auto-stop guard must be at least one minute".into(),
                });
            }
            Some(d) => Some(i64::try_from(d.as_secs().div_ceil(60).max(1)).unwrap_or(i64::MAX)),
        };
        if self.sanity_check_args.is_some() && self.sanity_check != Some(true) {
            return Err(JobError::Invalid {
                field: "Settings.SanityCheckArgs".into(),
                reason: "sanity check arguments need the sanity check enabled".into(),
            });
        }
        if self.all_rdma_devices == Some(true) && self.rdma != Some(true) {
            return Err(JobError::Invalid {
                field: "Settings.AllocateAllRDMADevices".into(),
                reason: "allocating RDMA devices needs RDMA enabled".into(),
            });
        }
        for name in self.envs.keys() {
            if name.is_empty() || name.contains('=') {
                return Err(JobError::Invalid {
                    field: "Envs".into(),
                    reason: format!("`{name}` is not an environment variable name"),
                });
            }
        }
        let mut settings = types::JobSettings::default();
        let mut any_setting = false;
        if let Some(v) = self.sanity_check {
            settings = settings.with_enable_sanity_check(v);
            any_setting = true;
        }
        if let Some(v) = self.sanity_check_args {
            settings = settings.with_sanity_check_args(v);
        }
        if let Some(v) = self.rdma {
            settings = settings.with_enable_rdma(v);
            any_setting = true;
        }
        if let Some(v) = self.all_rdma_devices {
            settings = settings.with_allocate_all_rdma_devices(v);
        }
        if let Some(v) = self.skip_stock_check {
            settings = settings.with_disable_ecs_stock_check(v);
            any_setting = true;
        }
        if !self.tags.is_empty() {
            settings = settings.with_tags(self.tags);
            any_setting = true;
        }
        Ok(JobSpec {
            workspace_id,
            display_name,
            job_type,
            user_command,
            tasks: self.tasks,
            quota_id,
            data_sources,
            code_source,
            envs: self.envs,
            priority: self.priority,
            max_running_minutes,
            settings: any_setting.then_some(settings),
            accessibility: self.public.map(|p| if p { "PUBLIC" } else { "PRIVATE" }),
            thirdparty_libs: self.thirdparty_libs,
        })
    }
}

fn check_roles(job_type: JobType, tasks: &[TaskSpec]) -> Result<(), JobError> {
    if tasks.is_empty() {
        return Err(JobError::Missing {
            field: "JobSpecs",
            why: "a job needs at least one task spec",
        });
    }
    let mut seen: Vec<&str> = Vec::new();
    for task in tasks {
        if let Some(allowed) = job_type.allowed_roles() {
            if !allowed.contains(&task.role.as_str()) {
                return Err(JobError::RoleNotAllowed {
                    job_type,
                    role: task.role.clone(),
                    allowed: allowed.to_vec(),
                });
            }
        }
        if seen.contains(&task.role.as_str()) {
            return Err(JobError::DuplicateRole {
                role: task.role.clone(),
            });
        }
        seen.push(&task.role);
        if job_type.single_pod_roles().contains(&task.role.as_str()) && task.pod_count != 1 {
            return Err(JobError::Invalid {
                field: format!("JobSpecs[{}].PodCount", task.role),
                reason: format!("a {} runs as exactly one pod", task.role),
            });
        }
    }
    for role in job_type.required_roles() {
        if !seen.contains(role) {
            return Err(JobError::MissingRole { job_type, role });
        }
    }
    Ok(())
}

fn check_compute(tasks: &[TaskSpec], quota_id: Option<&str>) -> Result<(), JobError> {
    let quota_task = tasks
        .iter()
        .find(|t| matches!(t.compute, Compute::ResourceConfig(_)));
    let ecs_task = tasks
        .iter()
        .any(|t| matches!(t.compute, Compute::EcsSpec(_)));
    match (quota_task, ecs_task, quota_id) {
        (Some(_), true, _) => Err(JobError::MixedCompute),
        (Some(task), false, None) => Err(JobError::QuotaRequired {
            role: task.role.clone(),
        }),
        (None, _, Some(_)) => Err(JobError::QuotaWithEcsSpec),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        let config = alibabacloud_core::Config::builder()
            .access_key("test-id", "test-secret")
            .region("cn-hangzhou")
            .build()
            .expect("a config");
        Client::new(&config)
    }

    #[test]
    fn d9_job_spec_lays_out_the_create_job_body() {
        let worker = TaskSpec::builder("Worker")
            .image("registry/pai/pytorch:1")
            .resource_config(
                types::ResourceConfig::default()
                    .with_cpu("8")
                    .with_memory("32Gi")
                    .with_gpu("1"),
            )
            .pod_count(4)
            .spot(Spot::MaxPricePerMinute(0.5))
            .build()
            .unwrap();
        let spec = JobSpec::builder()
            .workspace_id("100001")
            .display_name("llm-sft-20261124")
            .job_type(JobType::PyTorchJob)
            .user_command("torchrun train.py")
            .task(worker)
            .quota_id("quota1")
            .data_source(DataSource::dataset("d-1").mount_path("/mnt/data/"))
            .code_source(CodeSource::new("code-1").commit("abc123"))
            .env("NCCL_DEBUG", "INFO")
            .priority(3)
            .max_running_time(Duration::from_secs(3600))
            .sanity_check(true)
            .sanity_check_args("--quick")
            .rdma(true)
            .allocate_all_rdma_devices(true)
            .public(true)
            .build()
            .unwrap();
        let call = spec.create_job(&client());
        let body = serde_json::to_value(&call.as_input().body).unwrap();
        let expected = serde_json::json!({
            "Accessibility": "PUBLIC",
            "CodeSource": {"CodeSourceId": "code-1", "Commit": "abc123"},
            "DataSources": [{"DataSourceId": "d-1", "MountPath": "/mnt/data/"}],
            "DisplayName": "llm-sft-20261124",
            "Envs": {"NCCL_DEBUG": "INFO"},
            "JobMaxRunningTimeMinutes": 60,
            "JobSpecs": [{
                "Image": "registry/pai/pytorch:1",
                "PodCount": 4,
                "ResourceConfig": {"CPU": "8", "GPU": "1", "Memory": "32Gi"},
                "SpotSpec": {"SpotPriceLimit": 0.5, "SpotStrategy": "SpotWithPriceLimit"},
                "Type": "Worker",
                "UseSpotInstance": true,
            }],
            "JobType": "PyTorchJob",
            "Priority": 3,
            "ResourceId": "quota1",
            "Settings": {
                "AllocateAllRDMADevices": true,
                "EnableRDMA": true,
                "EnableSanityCheck": true,
                "SanityCheckArgs": "--quick",
            },
            "UserCommand": "torchrun train.py",
            "WorkspaceId": "100001",
        });
        assert_eq!(body, expected);
    }

    #[test]
    fn d4_blank_values_count_as_missing() {
        let worker = TaskSpec::builder("Worker")
            .image("img")
            .ecs_spec("ecs.gn6i-c4g1.xlarge")
            .build()
            .unwrap();
        let err = JobSpec::builder()
            .workspace_id("   ")
            .display_name("x")
            .job_type(JobType::PyTorchJob)
            .user_command("python train.py")
            .task(worker.clone())
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                JobError::Missing {
                    field: "WorkspaceId",
                    ..
                }
            ),
            "{err}"
        );
        let err = JobSpec::builder()
            .workspace_id("1")
            .display_name("x")
            .job_type(JobType::PyTorchJob)
            .user_command(" ")
            .task(worker)
            .build()
            .unwrap_err();
        assert!(
            matches!(
                err,
                JobError::Missing {
                    field: "UserCommand",
                    ..
                }
            ),
            "{err}"
        );
    }
}
