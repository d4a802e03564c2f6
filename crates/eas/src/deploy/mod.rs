//! Deploying a model service on EAS, step by step as the deployment
//! workflow describes it (rules E1-E7).
//!
//! - [`ServiceName`] checks names (E1).
//! - [`ServiceConfig::builder`] assembles metadata, the container, storage
//!   mounts, compute, networking and features, checks them and serializes
//!   the CreateService body (E2, E4, E5).
//! - [`ChipCheck`] matches the image's chip with the instance type and moves
//!   GPU-only workloads off CPU instances, with the reason (E3).
//! - [`public_machine_specs`], [`resource_groups`], [`gateways`] and
//!   [`gateway_vpc`] list what can be deployed on (E6).
//! - [`deploy`] replaces a same-named service, creates, waits for `Running`
//!   or `Failed` and returns the endpoints or the latest events (E7);
//!   [`Deployment::invocation`] prints ready-to-use calls without the token.
//!
//! ```no_run
//! use alibabacloud_eas::deploy::{self, ChipType, DeployOptions, ServiceConfig, StorageMount};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = alibabacloud_core::Config::load_default().await?;
//! let eas = alibabacloud_eas::Client::new(&config);
//! let service = ServiceConfig::builder("qwen_chat")
//!     .image("eas-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai-eas/vllm:0.10.1-gpu")
//!     .image_chip(ChipType::Gpu)
//!     .command("vllm serve /model_dir --port 8000 --trust-remote-code")
//!     .mount(StorageMount::oss("oss://my-models/Qwen3-0.6B/")?)
//!     .instance_type("ecs.gn7i-c8g1.2xlarge")
//!     .build()?;
//! println!("{}\n{}", service.summary(), service.to_json_pretty());
//! let running = deploy::deploy(&eas, &service, &DeployOptions::default()).await?;
//! println!("{running}\n{}", running.invocation("/model_dir"));
//! # Ok(()) }
//! ```

mod chip;
mod config;
mod name;
mod resources;
mod run;

pub use chip::{ChipCheck, ChipType, DEFAULT_GPU_INSTANCE_TYPE, ServingFramework, UnknownChipType};
pub use config::{
    Autoscaling, Compute, ConfigError, DEFAULT_CHECK_INTERVAL_SECONDS,
    DEFAULT_INITIAL_DELAY_SECONDS, DEFAULT_MODEL_MOUNT_PATH, DEFAULT_PORT, DEFAULT_REPLICAS,
    HealthCheck, Network, OssPath, Probe, ProbeAction, RollingUpdate, ScaleMetric, ServiceConfig,
    ServiceConfigBuilder, StorageMount, StorageSource, VpcAccess,
};
pub use name::{ServiceName, ServiceNameError};
pub use resources::{
    GatewaySummary, MachineSpec, ResourceGroupUsage, Usage, filter_specs, gateway_vpc, gateways,
    public_machine_specs, resource_groups,
};
pub use run::{
    DeployError, DeployOptions, Deployment, Invocation, ServiceEvent, TOKEN_VARIABLE, deploy,
};
