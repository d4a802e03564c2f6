//! The typed service configuration (E2, E4, E5) and its JSON body.

use serde_json::{Map, Value, json};

use super::chip::{ChipCheck, ChipType, ServingFramework};
use super::name::{ServiceName, ServiceNameError};

/// Default container port (E5).
pub const DEFAULT_PORT: u16 = 8000;
/// Default number of replicas (E5).
pub const DEFAULT_REPLICAS: u32 = 1;
/// Default delay before the first health probe, in seconds (E5).
pub const DEFAULT_INITIAL_DELAY_SECONDS: u32 = 60;
/// Default interval between health probes, in seconds (E5).
pub const DEFAULT_CHECK_INTERVAL_SECONDS: u32 = 10;
/// Default mount path of a model storage (E4).
pub const DEFAULT_MODEL_MOUNT_PATH: &str = "/model_dir";

/// Why a service configuration was refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The service name breaks E1.
    #[error(transparent)]
    Name(#[from] ServiceNameError),
    /// No image was set.
    #[error("no image: set the container image (an ImageUri from AI Workspace ListImages)")]
    MissingImage,
    /// The image's chip type is neither set nor visible in its tag.
    #[error(
        "cannot tell the chip type of image `{image}`: set it from the image's system.chipType label"
    )]
    UnknownImageChip {
        /// The image.
        image: String,
    },
    /// Neither a public instance type nor a resource group was set.
    #[error("no compute: set a public instance type or a dedicated resource group")]
    MissingCompute,
    /// E3 failed: the image cannot run on the instance type.
    #[error("chip check failed: {}", .0.reason())]
    ChipMismatch(ChipCheck),
    /// An OSS path that is not `oss://bucket/path/` (E4).
    #[error("OSS path `{path}` is invalid: {reason}")]
    OssPath {
        /// The path given.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The start command passes an `oss://` URL (E4).
    #[error(
        "the start command contains the OSS URL `{url}`; mount the bucket (e.g. at /model_dir) and pass the local path instead"
    )]
    OssUrlInCommand {
        /// The URL found.
        url: String,
    },
    /// A mount path that is not absolute or used twice.
    #[error("mount path `{path}` {reason}")]
    MountPath {
        /// The path.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Port 0.
    #[error("port must be between 1 and 65535")]
    Port,
    /// Zero replicas.
    #[error("replicas must be at least 1")]
    Replicas,
    /// A VPC setting that is empty or has the wrong id prefix.
    #[error("{field} `{value}` is invalid: expected an id starting with `{prefix}`")]
    Network {
        /// Which setting.
        field: &'static str,
        /// The value given.
        value: String,
        /// The prefix the id must have.
        prefix: &'static str,
    },
    /// Autoscaling bounds that make no sense.
    #[error("autoscaling needs 1 <= min ({min}) <= max ({max})")]
    Autoscaling {
        /// Minimum replicas.
        min: u32,
        /// Maximum replicas.
        max: u32,
    },
    /// An empty required text field.
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
}

/// An OSS directory in the `oss://bucket/path/` form (E4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssPath(String);

impl OssPath {
    /// Checks the form: `oss://` scheme, a bucket name of 3 to 63 lowercase
    /// letters, digits and hyphens, and a trailing `/`.
    pub fn parse(path: &str) -> Result<OssPath, ConfigError> {
        let bad = |reason| ConfigError::OssPath {
            path: path.to_owned(),
            reason,
        };
        let rest = path
            .strip_prefix("oss://")
            .ok_or_else(|| bad("it must start with oss://"))?;
        let bucket = rest.split('/').next().unwrap_or_default();
        if !(3..=63).contains(&bucket.len())
            || !bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || bucket.starts_with('-')
            || bucket.ends_with('-')
        {
            return Err(bad(
                "the bucket name must be 3-63 lowercase letters, digits or hyphens",
            ));
        }
        if !path.ends_with('/') {
            return Err(bad(
                "a directory must end with `/`, as in oss://bucket/path/",
            ));
        }
        if rest.contains("//") {
            return Err(bad("it contains an empty path segment (`//`)"));
        }
        Ok(OssPath(path.to_owned()))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        self.0["oss://".len()..]
            .split('/')
            .next()
            .unwrap_or_default()
    }
}

/// Where the data of a mount comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageSource {
    /// An OSS directory.
    Oss {
        /// The directory.
        path: OssPath,
        /// Mounted read-only.
        read_only: bool,
    },
    /// A NAS file system over NFS.
    Nas {
        /// Mount target address (`xxx.cn-hangzhou.nas.aliyuncs.com`).
        server: String,
        /// Directory on the file system.
        path: String,
        /// Mounted read-only.
        read_only: bool,
    },
    /// A CPFS file system.
    Cpfs {
        /// The file system id.
        file_system_id: String,
        /// Directory on the file system.
        path: String,
        /// Mounted read-only.
        read_only: bool,
    },
    /// A PAI dataset.
    Dataset {
        /// The dataset id.
        dataset_id: String,
        /// The version, if pinned.
        version: Option<String>,
        /// Mounted read-only.
        read_only: bool,
    },
}

/// A storage mounted into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageMount {
    mount_path: String,
    source: StorageSource,
}

impl StorageMount {
    /// An OSS directory, read-only, at [`DEFAULT_MODEL_MOUNT_PATH`] (E4).
    pub fn oss(path: &str) -> Result<StorageMount, ConfigError> {
        Ok(StorageMount {
            mount_path: DEFAULT_MODEL_MOUNT_PATH.to_owned(),
            source: StorageSource::Oss {
                path: OssPath::parse(path)?,
                read_only: true,
            },
        })
    }

    /// A NAS directory, read-write, at `mount_path`.
    pub fn nas(
        server: impl Into<String>,
        path: impl Into<String>,
        mount_path: impl Into<String>,
    ) -> StorageMount {
        StorageMount {
            mount_path: mount_path.into(),
            source: StorageSource::Nas {
                server: server.into(),
                path: path.into(),
                read_only: false,
            },
        }
    }

    /// A CPFS directory, read-write, at `mount_path`.
    pub fn cpfs(
        file_system_id: impl Into<String>,
        path: impl Into<String>,
        mount_path: impl Into<String>,
    ) -> StorageMount {
        StorageMount {
            mount_path: mount_path.into(),
            source: StorageSource::Cpfs {
                file_system_id: file_system_id.into(),
                path: path.into(),
                read_only: false,
            },
        }
    }

    /// A PAI dataset, read-only, at `mount_path`.
    pub fn dataset(dataset_id: impl Into<String>, mount_path: impl Into<String>) -> StorageMount {
        StorageMount {
            mount_path: mount_path.into(),
            source: StorageSource::Dataset {
                dataset_id: dataset_id.into(),
                version: None,
                read_only: true,
            },
        }
    }

    /// Mounts at `mount_path` instead.
    pub fn at(mut self, mount_path: impl Into<String>) -> Self {
        self.mount_path = mount_path.into();
        self
    }

    /// Sets read-only (`true`) or read-write (`false`).
    pub fn read_only(mut self, yes: bool) -> Self {
        match &mut self.source {
            StorageSource::Oss { read_only, .. }
            | StorageSource::Nas { read_only, .. }
            | StorageSource::Cpfs { read_only, .. }
            | StorageSource::Dataset { read_only, .. } => *read_only = yes,
        }
        self
    }

    /// Pins a dataset version (ignored for other sources).
    pub fn version(mut self, v: impl Into<String>) -> Self {
        if let StorageSource::Dataset { version, .. } = &mut self.source {
            *version = Some(v.into());
        }
        self
    }

    /// The path inside the container.
    pub fn mount_path(&self) -> &str {
        &self.mount_path
    }

    /// The source.
    pub fn source(&self) -> &StorageSource {
        &self.source
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("mount_path".into(), json!(self.mount_path));
        match &self.source {
            StorageSource::Oss { path, read_only } => {
                m.insert(
                    "oss".into(),
                    json!({"path": path.as_str(), "readOnly": read_only}),
                );
            }
            StorageSource::Nas {
                server,
                path,
                read_only,
            } => {
                m.insert(
                    "nfs".into(),
                    json!({"server": server, "path": path, "readOnly": read_only}),
                );
            }
            StorageSource::Cpfs {
                file_system_id,
                path,
                read_only,
            } => {
                m.insert(
                    "cpfs".into(),
                    json!({"fs_id": file_system_id, "path": path, "readOnly": read_only}),
                );
            }
            StorageSource::Dataset {
                dataset_id,
                version,
                read_only,
            } => {
                let mut d = Map::new();
                d.insert("id".into(), json!(dataset_id));
                if let Some(v) = version {
                    d.insert("version".into(), json!(v));
                }
                d.insert("read_only".into(), json!(read_only));
                m.insert("dataset".into(), Value::Object(d));
            }
        }
        Value::Object(m)
    }
}

/// VPC access of a dedicated gateway or an NLB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcAccess {
    vpc_id: String,
    vswitch_id: String,
    security_group_id: String,
}

impl VpcAccess {
    /// Checks the ids (`vpc-`, `vsw-`, `sg-`).
    pub fn new(
        vpc_id: impl Into<String>,
        vswitch_id: impl Into<String>,
        security_group_id: impl Into<String>,
    ) -> Result<VpcAccess, ConfigError> {
        let check = |field, value: String, prefix: &'static str| {
            if value.starts_with(prefix) && value.len() > prefix.len() {
                Ok(value)
            } else {
                Err(ConfigError::Network {
                    field,
                    value,
                    prefix,
                })
            }
        };
        Ok(VpcAccess {
            vpc_id: check("vpc_id", vpc_id.into(), "vpc-")?,
            vswitch_id: check("vswitch_id", vswitch_id.into(), "vsw-")?,
            security_group_id: check("security_group_id", security_group_id.into(), "sg-")?,
        })
    }

    /// The VPC id.
    pub fn vpc_id(&self) -> &str {
        &self.vpc_id
    }
    /// The vSwitch id.
    pub fn vswitch_id(&self) -> &str {
        &self.vswitch_id
    }
    /// The security group id.
    pub fn security_group_id(&self) -> &str {
        &self.security_group_id
    }
}

/// How the service is reached.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Network {
    /// The free shared gateway (no VPC needed). The default.
    #[default]
    Shared,
    /// A dedicated ALB gateway, reached from the VPC.
    Alb {
        /// The gateway id (`gw-...`).
        gateway_id: String,
        /// The VPC it is linked to.
        vpc: VpcAccess,
    },
    /// A network load balancer in the VPC.
    Nlb {
        /// The VPC.
        vpc: VpcAccess,
    },
}

impl Network {
    /// Short name for summaries.
    pub fn describe(&self) -> String {
        match self {
            Network::Shared => "shared gateway".to_owned(),
            Network::Alb { gateway_id, vpc } => {
                format!("dedicated ALB gateway {gateway_id} in {}", vpc.vpc_id)
            }
            Network::Nlb { vpc } => format!("NLB in {}", vpc.vpc_id),
        }
    }
}

/// What a health probe does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeAction {
    /// An HTTP GET on `path`; the port defaults to the container port.
    HttpGet {
        /// Request path.
        path: String,
        /// Port, or the container port when `None`.
        port: Option<u16>,
    },
    /// A TCP connect; the port defaults to the container port.
    TcpSocket {
        /// Port, or the container port when `None`.
        port: Option<u16>,
    },
    /// A command run in the container; exit code 0 means healthy.
    Exec {
        /// The command and its arguments.
        command: Vec<String>,
    },
}

/// One health probe with its timing (E5 defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    action: ProbeAction,
    initial_delay_seconds: u32,
    period_seconds: u32,
}

impl Probe {
    /// A probe with the E5 timing (60 s initial delay, every 10 s).
    pub fn new(action: ProbeAction) -> Probe {
        Probe {
            action,
            initial_delay_seconds: DEFAULT_INITIAL_DELAY_SECONDS,
            period_seconds: DEFAULT_CHECK_INTERVAL_SECONDS,
        }
    }
    /// HTTP GET on `path` at the container port.
    pub fn http_get(path: impl Into<String>) -> Probe {
        Probe::new(ProbeAction::HttpGet {
            path: path.into(),
            port: None,
        })
    }
    /// TCP connect to the container port.
    pub fn tcp_socket() -> Probe {
        Probe::new(ProbeAction::TcpSocket { port: None })
    }
    /// A command in the container.
    pub fn exec<I, S>(command: I) -> Probe
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Probe::new(ProbeAction::Exec {
            command: command.into_iter().map(Into::into).collect(),
        })
    }
    /// Seconds before the first probe.
    pub fn initial_delay_seconds(mut self, s: u32) -> Self {
        self.initial_delay_seconds = s;
        self
    }
    /// Seconds between probes.
    pub fn period_seconds(mut self, s: u32) -> Self {
        self.period_seconds = s;
        self
    }

    fn to_json(&self, container_port: u16) -> Value {
        let mut m = Map::new();
        match &self.action {
            ProbeAction::HttpGet { path, port } => {
                m.insert(
                    "http_get".into(),
                    json!({"path": path, "port": port.unwrap_or(container_port)}),
                );
            }
            ProbeAction::TcpSocket { port } => {
                m.insert(
                    "tcp_socket".into(),
                    json!({"port": port.unwrap_or(container_port)}),
                );
            }
            ProbeAction::Exec { command } => {
                m.insert("exec".into(), json!({"command": command}));
            }
        }
        m.insert(
            "initial_delay_seconds".into(),
            json!(self.initial_delay_seconds),
        );
        m.insert("period_seconds".into(), json!(self.period_seconds));
        Value::Object(m)
    }
}

/// Liveness and readiness probes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HealthCheck {
    /// Restarts the container when it fails.
    pub liveness: Option<Probe>,
    /// Takes the replica out of traffic while it fails.
    pub readiness: Option<Probe>,
}

/// The rolling update strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollingUpdate {
    /// Extra replicas allowed during an update.
    pub max_surge: u32,
    /// Replicas allowed to be unavailable during an update.
    pub max_unavailable: u32,
}

impl Default for RollingUpdate {
    fn default() -> Self {
        RollingUpdate {
            max_surge: 1,
            max_unavailable: 0,
        }
    }
}

/// The metric autoscaling follows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScaleMetric {
    /// Requests per second per replica.
    Qps,
    /// CPU utilisation, percent.
    Cpu,
    /// GPU utilisation, percent.
    GpuUtil,
    /// Another metric name the service accepts.
    Other(String),
}

impl ScaleMetric {
    fn as_str(&self) -> &str {
        match self {
            ScaleMetric::Qps => "qps",
            ScaleMetric::Cpu => "cpu",
            ScaleMetric::GpuUtil => "gpu[util]",
            ScaleMetric::Other(s) => s,
        }
    }
}

/// Horizontal autoscaling.
#[derive(Debug, Clone, PartialEq)]
pub struct Autoscaling {
    /// Fewest replicas.
    pub min: u32,
    /// Most replicas.
    pub max: u32,
    /// The metric.
    pub metric: ScaleMetric,
    /// Target value of the metric per replica.
    pub threshold: f64,
}

/// Where the service runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compute {
    /// Public resources: one instance type per replica.
    PublicInstance(String),
    /// A dedicated resource group with per-replica quotas.
    ResourceGroup {
        /// The group id (`eas-r-...`).
        resource_id: String,
        /// vCPUs per replica.
        cpu: u32,
        /// Memory per replica, MiB.
        memory_mib: u32,
        /// GPUs per replica.
        gpu: u32,
    },
}

/// A checked EAS service configuration, ready to become the CreateService
/// body. Built by [`ServiceConfig::builder`].
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceConfig {
    name: ServiceName,
    image: String,
    image_chip: Option<ChipType>,
    command: Option<String>,
    port: u16,
    replicas: u32,
    workspace_id: Option<String>,
    compute: Compute,
    chip_check: Option<ChipCheck>,
    storage: Vec<StorageMount>,
    network: Network,
    health: Option<HealthCheck>,
    rolling: Option<RollingUpdate>,
    grpc: bool,
    autoscaling: Option<Autoscaling>,
}

/// Builds a [`ServiceConfig`]; [`build`](Self::build) applies E1-E5.
#[derive(Debug, Clone, Default)]
pub struct ServiceConfigBuilder {
    name: String,
    image: Option<String>,
    image_chip: Option<ChipType>,
    command: Option<String>,
    port: Option<u16>,
    replicas: Option<u32>,
    workspace_id: Option<String>,
    instance_type: Option<String>,
    fallback_instance_type: Option<String>,
    resource_group: Option<(String, u32, u32, u32)>,
    storage: Vec<StorageMount>,
    network: Network,
    health: Option<HealthCheck>,
    rolling: Option<RollingUpdate>,
    grpc: bool,
    autoscaling: Option<Autoscaling>,
}

impl ServiceConfig {
    /// A builder for a service called `name`.
    pub fn builder(name: impl Into<String>) -> ServiceConfigBuilder {
        ServiceConfigBuilder {
            name: name.into(),
            ..Default::default()
        }
    }

    /// The service name.
    pub fn name(&self) -> &ServiceName {
        &self.name
    }
    /// The image.
    pub fn image(&self) -> &str {
        &self.image
    }
    /// The image's chip type, when known.
    pub fn image_chip(&self) -> Option<ChipType> {
        self.image_chip
    }
    /// The start command.
    pub fn command(&self) -> Option<&str> {
        self.command.as_deref()
    }
    /// The container port.
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The number of replicas.
    pub fn replicas(&self) -> u32 {
        self.replicas
    }
    /// Where the service runs (after an E3 switch).
    pub fn compute(&self) -> &Compute {
        &self.compute
    }
    /// The public instance type, if public resources are used.
    pub fn instance_type(&self) -> Option<&str> {
        match &self.compute {
            Compute::PublicInstance(t) => Some(t),
            Compute::ResourceGroup { .. } => None,
        }
    }
    /// The E3 result (public resources only).
    pub fn chip_check(&self) -> Option<&ChipCheck> {
        self.chip_check.as_ref()
    }
    /// The storage mounts.
    pub fn storage(&self) -> &[StorageMount] {
        &self.storage
    }
    /// The network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The CreateService JSON body.
    pub fn to_json(&self) -> Value {
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(self.name.as_str()));
        metadata.insert("instance".into(), json!(self.replicas));
        if let Some(ws) = &self.workspace_id {
            metadata.insert("workspace_id".into(), json!(ws));
        }
        if let Compute::ResourceGroup {
            resource_id,
            cpu,
            memory_mib,
            gpu,
        } = &self.compute
        {
            metadata.insert("resource".into(), json!(resource_id));
            metadata.insert("cpu".into(), json!(cpu));
            metadata.insert("memory".into(), json!(memory_mib));
            if *gpu > 0 {
                metadata.insert("gpu".into(), json!(gpu));
            }
        }
        if self.grpc {
            metadata.insert("enable_grpc".into(), json!(true));
        }
        if let Some(r) = &self.rolling {
            metadata.insert(
                "rolling_strategy".into(),
                json!({"max_surge": r.max_surge, "max_unavailable": r.max_unavailable}),
            );
        }
        if let Network::Alb { gateway_id, .. } = &self.network {
            metadata.insert("gateway".into(), json!(gateway_id));
        }

        let mut container = Map::new();
        container.insert("image".into(), json!(self.image));
        if let Some(cmd) = &self.command {
            container.insert("script".into(), json!(cmd));
        }
        container.insert("port".into(), json!(self.port));
        if let Some(h) = &self.health {
            if let Some(p) = &h.liveness {
                container.insert("liveness_check".into(), p.to_json(self.port));
            }
            if let Some(p) = &h.readiness {
                container.insert("readiness_check".into(), p.to_json(self.port));
            }
        }

        let mut body = Map::new();
        body.insert("metadata".into(), Value::Object(metadata));
        body.insert("containers".into(), json!([Value::Object(container)]));
        if !self.storage.is_empty() {
            body.insert(
                "storage".into(),
                Value::Array(self.storage.iter().map(StorageMount::to_json).collect()),
            );
        }
        let mut cloud = Map::new();
        if let Compute::PublicInstance(t) = &self.compute {
            cloud.insert("computing".into(), json!({"instances": [{"type": t}]}));
        }
        if let Network::Alb { vpc, .. } | Network::Nlb { vpc } = &self.network {
            cloud.insert(
                "networking".into(),
                json!({"vpc_id": vpc.vpc_id, "vswitch_id": vpc.vswitch_id,
                       "security_group_id": vpc.security_group_id}),
            );
        }
        if !cloud.is_empty() {
            body.insert("cloud".into(), Value::Object(cloud));
        }
        if let Network::Nlb { .. } = &self.network {
            body.insert(
                "networking".into(),
                json!({"nlb": [{"id": "default", "listener_port": self.port, "netType": "intranet"}]}),
            );
        }
        if let Some(a) = &self.autoscaling {
            body.insert(
                "autoscaler".into(),
                json!({"min": a.min, "max": a.max,
                       "scaleStrategies": [{"metricName": a.metric.as_str(), "threshold": a.threshold}]}),
            );
        }
        Value::Object(body)
    }

    /// The CreateService body as pretty-printed JSON (for previews).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.to_json()).unwrap_or_default()
    }

    /// A short human summary (name, image and chip, compute, network, checks).
    pub fn summary(&self) -> String {
        let mut lines = vec![
            format!("Service name: {}", self.name),
            format!(
                "Image: {} (chip: {})",
                self.image,
                self.image_chip.map_or("unknown", ChipType::as_str)
            ),
        ];
        match &self.compute {
            Compute::PublicInstance(t) => lines.push(format!(
                "Instance: {t} ({} instance), {} replica(s)",
                ChipType::of_instance_type(t),
                self.replicas
            )),
            Compute::ResourceGroup {
                resource_id,
                cpu,
                memory_mib,
                gpu,
            } => lines.push(format!(
                "Resource group: {resource_id}, per replica {cpu} vCPU / {memory_mib} MiB / {gpu} GPU, {} replica(s)",
                self.replicas
            )),
        }
        lines.push(format!("Network: {}", self.network.describe()));
        if let Some(c) = &self.chip_check {
            lines.push(c.to_string());
        }
        lines.join("\n")
    }
}

/// The chip a tag names (`...-gpu`, `...-cpu-py311`, `...-xpu`), if any.
fn chip_from_tag(image: &str) -> Option<ChipType> {
    let tag = image.rsplit('/').next()?.split_once(':')?.1;
    tag.split(['-', '_', '.'])
        .find_map(|part| ChipType::from_label(part).ok())
}

fn find_oss_url(command: &str) -> Option<String> {
    let at = command.find("oss://")?;
    Some(
        command[at..]
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .next()
            .unwrap_or_default()
            .to_owned(),
    )
}

impl ServiceConfigBuilder {
    /// The container image (an ImageUri).
    pub fn image(mut self, uri: impl Into<String>) -> Self {
        self.image = Some(uri.into());
        self
    }
    /// The image's chip type (its `system.chipType` label). Without it the
    /// chip is read from the image tag (`-gpu`, `-cpu`, `-ppu`, `-xpu`).
    pub fn image_chip(mut self, chip: ChipType) -> Self {
        self.image_chip = Some(chip);
        self
    }
    /// The start command (must not contain `oss://` URLs, E4).
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.command = Some(command.into());
        self
    }
    /// The container port (default 8000).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }
    /// The number of replicas (default 1).
    pub fn replicas(mut self, n: u32) -> Self {
        self.replicas = Some(n);
        self
    }
    /// The AI Workspace id; omitted from the body when not set.
    pub fn workspace_id(mut self, id: impl Into<String>) -> Self {
        self.workspace_id = Some(id.into());
        self
    }
    /// Runs on public resources of this instance type.
    pub fn instance_type(mut self, t: impl Into<String>) -> Self {
        self.instance_type = Some(t.into());
        self.resource_group = None;
        self
    }
    /// The accelerator instance type used when E3 has to move a workload
    /// off a CPU instance (default for GPU: [`super::DEFAULT_GPU_INSTANCE_TYPE`]).
    pub fn fallback_instance_type(mut self, t: impl Into<String>) -> Self {
        self.fallback_instance_type = Some(t.into());
        self
    }
    /// Runs in a dedicated resource group with these per-replica quotas.
    pub fn resource_group(
        mut self,
        resource_id: impl Into<String>,
        cpu: u32,
        memory_mib: u32,
        gpu: u32,
    ) -> Self {
        self.resource_group = Some((resource_id.into(), cpu, memory_mib, gpu));
        self.instance_type = None;
        self
    }
    /// Adds a storage mount.
    pub fn mount(mut self, mount: StorageMount) -> Self {
        self.storage.push(mount);
        self
    }
    /// The network (default: shared gateway).
    pub fn network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }
    /// Health probes.
    pub fn health_check(mut self, health: HealthCheck) -> Self {
        self.health = Some(health);
        self
    }
    /// Rolling update strategy.
    pub fn rolling_update(mut self, rolling: RollingUpdate) -> Self {
        self.rolling = Some(rolling);
        self
    }
    /// Serves gRPC instead of HTTP.
    pub fn grpc(mut self, yes: bool) -> Self {
        self.grpc = yes;
        self
    }
    /// Horizontal autoscaling.
    pub fn autoscaling(mut self, autoscaling: Autoscaling) -> Self {
        self.autoscaling = Some(autoscaling);
        self
    }

    /// Checks everything and builds the configuration.
    ///
    /// Applies E1 (name), E3 (chip check; a CPU instance for a GPU-only
    /// workload is switched, an impossible pairing is refused with
    /// [`ConfigError::ChipMismatch`]), E4 (OSS paths, no `oss://` in the
    /// command) and E5 (defaults).
    pub fn build(self) -> Result<ServiceConfig, ConfigError> {
        let name = ServiceName::parse(&self.name)?;
        let image = self
            .image
            .filter(|i| !i.trim().is_empty())
            .ok_or(ConfigError::MissingImage)?;
        let image_chip = self.image_chip.or_else(|| chip_from_tag(&image));
        let command = self.command.filter(|c| !c.trim().is_empty());
        if let Some(url) = command.as_deref().and_then(find_oss_url) {
            return Err(ConfigError::OssUrlInCommand { url });
        }
        let port = self.port.unwrap_or(DEFAULT_PORT);
        if port == 0 {
            return Err(ConfigError::Port);
        }
        let replicas = self.replicas.unwrap_or(DEFAULT_REPLICAS);
        if replicas == 0 {
            return Err(ConfigError::Replicas);
        }
        let mut seen = std::collections::HashSet::new();
        for m in &self.storage {
            if !m.mount_path.starts_with('/') {
                return Err(ConfigError::MountPath {
                    path: m.mount_path.clone(),
                    reason: "must be an absolute path",
                });
            }
            if !seen.insert(m.mount_path.trim_end_matches('/').to_owned()) {
                return Err(ConfigError::MountPath {
                    path: m.mount_path.clone(),
                    reason: "is used by two mounts",
                });
            }
            match &m.source {
                StorageSource::Nas { server, path, .. } => {
                    if server.trim().is_empty() {
                        return Err(ConfigError::Empty("nfs.server"));
                    }
                    if path.trim().is_empty() {
                        return Err(ConfigError::Empty("nfs.path"));
                    }
                }
                StorageSource::Cpfs {
                    file_system_id,
                    path,
                    ..
                } => {
                    if file_system_id.trim().is_empty() {
                        return Err(ConfigError::Empty("cpfs.fs_id"));
                    }
                    if path.trim().is_empty() {
                        return Err(ConfigError::Empty("cpfs.path"));
                    }
                }
                StorageSource::Dataset { dataset_id, .. } if dataset_id.trim().is_empty() => {
                    return Err(ConfigError::Empty("dataset.id"));
                }
                _ => {}
            }
        }
        if let Network::Alb { gateway_id, .. } = &self.network {
            if !gateway_id.starts_with("gw-") {
                return Err(ConfigError::Network {
                    field: "gateway_id",
                    value: gateway_id.clone(),
                    prefix: "gw-",
                });
            }
        }
        if let Some(a) = &self.autoscaling {
            if a.min == 0 || a.min > a.max {
                return Err(ConfigError::Autoscaling {
                    min: a.min,
                    max: a.max,
                });
            }
        }
        let (compute, chip_check) = match (self.instance_type, self.resource_group) {
            (Some(t), _) => {
                if t.trim().is_empty() {
                    return Err(ConfigError::Empty("instance_type"));
                }
                let chip = image_chip.ok_or_else(|| ConfigError::UnknownImageChip {
                    image: image.clone(),
                })?;
                let framework = ServingFramework::detect(&image, command.as_deref());
                let check = ChipCheck::evaluate(
                    chip,
                    framework,
                    &t,
                    self.fallback_instance_type.as_deref(),
                );
                if !check.passed() {
                    return Err(ConfigError::ChipMismatch(check));
                }
                (
                    Compute::PublicInstance(check.instance_type().to_owned()),
                    Some(check),
                )
            }
            (None, Some((resource_id, cpu, memory_mib, gpu))) => {
                if !resource_id.starts_with("eas-r-") {
                    return Err(ConfigError::Network {
                        field: "resource_id",
                        value: resource_id,
                        prefix: "eas-r-",
                    });
                }
                (
                    Compute::ResourceGroup {
                        resource_id,
                        cpu,
                        memory_mib,
                        gpu,
                    },
                    None,
                )
            }
            (None, None) => return Err(ConfigError::MissingCompute),
        };
        Ok(ServiceConfig {
            name,
            image,
            image_chip,
            command,
            port,
            replicas,
            workspace_id: self.workspace_id.filter(|w| !w.is_empty()),
            compute,
            chip_check,
            storage: self.storage,
            network: self.network,
            health: self.health,
            rolling: self.rolling,
            grpc: self.grpc,
            autoscaling: self.autoscaling,
        })
    }
}
