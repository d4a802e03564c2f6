//! ECS: create an instance with its network (P7), run the script with Cloud
//! Assistant and release everything this run created (P8).
//!
//! [`create_instance_with_infra`] takes the confirmed quotes in order of
//! preference (all ECS: the product lock), and for each one:
//!
//! 1. looks the image up by family (`DescribeImages` with `ImageFamily`);
//!    explicit image ids and UserData are refused;
//! 2. reuses an available vSwitch in the quote's zone (and so its VPC), or
//!    creates a VPC and a vSwitch;
//! 3. creates a security group with egress open, and SSH (22/tcp) ingress
//!    only when a public IP is requested;
//! 4. calls `RunInstances` and waits for `Running`.
//!
//! Out of stock at `RunInstances` rolls back what this attempt created and
//! moves to the next quote (the next zone). Any other failure rolls back and
//! stops. Cancellation rolls back too (see [the module docs](super)).
//!
//! Then [`EcsInstance::run_and_release`] (one-shot) runs the script, returns
//! exit code and decoded output, and always releases the instance, the
//! security group and the VPC/vSwitch only if this run created them; or
//! [`EcsInstance::run_and_keep`] (long-running) keeps the instance.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use alibabacloud_core::waiter::WaitOutcome;

use super::{ExecError, PollSettings, check_quotes, retry_until, unique_name};

use crate::ConfirmedQuote;
use crate::product::Product;

/// What to launch, apart from the quoted type, region and zone.
#[derive(Debug, Clone, PartialEq)]
pub struct EcsLaunch {
    image_family: String,
    image_id: Option<String>,
    user_data: Option<String>,
    public_ip: bool,
    bandwidth_out_mbps: i32,
    ssh_source_cidr: String,
    name_prefix: String,
    command_timeout_secs: i64,
}

impl EcsLaunch {
    /// Launches from the newest image of `image_family`
    /// (e.g. `acs:ubuntu_22_04_x64`, `acs:alibaba_cloud_linux_3_2104_lts_x64`).
    pub fn new(image_family: impl Into<String>) -> Self {
        Self {
            image_family: image_family.into(),
            image_id: None,
            user_data: None,
            public_ip: false,
            bandwidth_out_mbps: 5,
            ssh_source_cidr: "0.0.0.0/0".to_owned(),
            name_prefix: "provision".to_owned(),
            command_timeout_secs: 3600,
        }
    }

    /// Requests a public IP (pay-by-traffic, `mbps` outbound) and opens SSH.
    pub fn public_ip(mut self, yes: bool) -> Self {
        self.public_ip = yes;
        self
    }

    /// Outbound bandwidth of the public IP, in Mbit/s (default 5).
    pub fn bandwidth_out_mbps(mut self, mbps: i32) -> Self {
        self.bandwidth_out_mbps = mbps;
        self
    }

    /// Source block allowed to reach SSH when a public IP is requested
    /// (default `0.0.0.0/0`).
    pub fn ssh_source_cidr(mut self, cidr: impl Into<String>) -> Self {
        self.ssh_source_cidr = cidr.into();
        self
    }

    /// Prefix of the names given to created resources (default `provision`).
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.name_prefix = prefix.into();
        self
    }

    /// Cloud Assistant timeout of the script, in seconds (default 3600).
    pub fn command_timeout_secs(mut self, secs: i64) -> Self {
        self.command_timeout_secs = secs;
        self
    }

    /// Records an explicit image id. It is refused when creating
    /// ([`ExecError::ExplicitImageRefused`]): images are chosen by family (P7).
    pub fn image_id(mut self, id: impl Into<String>) -> Self {
        self.image_id = Some(id.into());
        self
    }

    /// Records UserData. It is refused when creating
    /// ([`ExecError::UserDataRefused`]): the script runs with Cloud Assistant.
    pub fn user_data(mut self, data: impl Into<String>) -> Self {
        self.user_data = Some(data.into());
        self
    }

    /// The image family.
    pub fn family(&self) -> &str {
        &self.image_family
    }

    fn validate(&self) -> Result<(), ExecError> {
        if let Some(id) = &self.image_id {
            return Err(ExecError::ExplicitImageRefused(id.clone()));
        }
        if self.user_data.is_some() {
            return Err(ExecError::UserDataRefused);
        }
        let family = self.image_family.trim();
        if family.is_empty() {
            return Err(ExecError::Invalid("the image family is empty".into()));
        }
        if family.starts_with("m-") || family.ends_with(".vhd") || family.ends_with(".qcow2") {
            return Err(ExecError::ExplicitImageRefused(family.to_owned()));
        }
        if self.public_ip && !(1..=100).contains(&self.bandwidth_out_mbps) {
            return Err(ExecError::Invalid(format!(
                "public bandwidth must be 1 to 100 Mbit/s, not {}",
                self.bandwidth_out_mbps
            )));
        }
        if self.command_timeout_secs < 10 {
            return Err(ExecError::Invalid(format!(
                "the command timeout must be at least 10 s, not {}",
                self.command_timeout_secs
            )));
        }
        Ok(())
    }
}

/// What a run created (or reuses), in one region. Released in reverse order:
/// instance, security group, then the vSwitch and VPC only when created here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EcsResources {
    /// Region of everything below.
    pub region: String,
    /// The instance, once `RunInstances` answered.
    pub instance_id: Option<String>,
    /// The name given to the instance (used to find it when the run was
    /// cancelled while `RunInstances` was in flight).
    pub instance_name: Option<String>,
    /// The security group (always created by the run).
    pub security_group_id: Option<String>,
    /// Its name (to find it after a cancelled create).
    pub security_group_name: Option<String>,
    /// The vSwitch used.
    pub vswitch_id: Option<String>,
    /// Whether this run created the vSwitch (only then is it deleted).
    pub vswitch_created: bool,
    /// The VPC used.
    pub vpc_id: Option<String>,
    /// Whether this run created the VPC (only then is it deleted).
    pub vpc_created: bool,
}

impl EcsResources {
    fn is_empty(&self) -> bool {
        self.instance_id.is_none()
            && self.instance_name.is_none()
            && self.security_group_id.is_none()
            && self.security_group_name.is_none()
            && !self.vswitch_created
            && !self.vpc_created
    }
}

impl fmt::Display for EcsResources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(i) = &self.instance_id {
            parts.push(format!("instance {i}"));
        }
        if let Some(g) = &self.security_group_id {
            parts.push(format!("security group {g}"));
        }
        if let (true, Some(v)) = (self.vswitch_created, &self.vswitch_id) {
            parts.push(format!("vSwitch {v}"));
        }
        if let (true, Some(v)) = (self.vpc_created, &self.vpc_id) {
            parts.push(format!("VPC {v}"));
        }
        write!(f, "{} in {}", parts.join(", "), self.region)
    }
}

#[derive(Clone)]
struct Clients {
    ecs: alibabacloud_ecs::Client,
    vpc: alibabacloud_vpc::Client,
    poll: PollSettings,
}

/// Records what a run created; releases it when dropped armed.
struct Guard {
    clients: Clients,
    res: Option<EcsResources>,
}

impl Guard {
    fn res(&mut self) -> &mut EcsResources {
        self.res.get_or_insert_with(EcsResources::default)
    }

    /// Releases now and disarms. Returns what could not be released.
    async fn release_now(&mut self) -> Vec<String> {
        match self.res.take() {
            Some(res) => release(&self.clients, res).await,
            None => Vec::new(),
        }
    }

    fn disarm(&mut self) -> EcsResources {
        self.res.take().unwrap_or_default()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(res) = self.res.take() else { return };
        if res.is_empty() {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                tracing::warn!(resources = %res, "run dropped before it finished; releasing in the background");
                let clients = self.clients.clone();
                handle.spawn(async move {
                    let left = release(&clients, res).await;
                    if !left.is_empty() {
                        tracing::error!(left = ?left, "background release left resources behind");
                    }
                });
            }
            Err(_) => {
                tracing::error!(resources = %res, "run dropped outside a Tokio runtime; these resources were NOT released");
            }
        }
    }
}

/// A running instance created by [`create_instance_with_infra`].
///
/// Dropping it without calling [`run_and_release`](Self::run_and_release),
/// [`run_and_keep`](Self::run_and_keep) or [`release`](Self::release)
/// releases what was created, in the background (see [the module
/// docs](super)).
pub struct EcsInstance {
    guard: Guard,
    quote: ConfirmedQuote,
    zone: String,
    instance_id: String,
    private_ip: Option<String>,
    public_ip: Option<String>,
    command_timeout_secs: i64,
}

impl fmt::Debug for EcsInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcsInstance")
            .field("instance_id", &self.instance_id)
            .field("zone", &self.zone)
            .field("spec", &self.quote.quote().offer().spec)
            .field("resources", &self.guard.res)
            .finish()
    }
}

/// The result of a finished Cloud Assistant command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// Exit code (0 here: non-zero is [`ExecError::ScriptFailed`]).
    pub exit_code: i64,
    /// Output, decoded from Base64.
    pub output: String,
    /// The invocation id.
    pub invoke_id: String,
    /// The instance it ran on.
    pub instance_id: String,
}

/// An instance kept running by [`EcsInstance::run_and_keep`].
#[derive(Debug, Clone)]
pub struct KeptInstance {
    /// Instance id.
    pub instance_id: String,
    /// Zone.
    pub zone: String,
    /// Private IP.
    pub private_ip: Option<String>,
    /// Public IP, when requested.
    pub public_ip: Option<String>,
    /// The start-up script's result.
    pub output: RunOutput,
    /// What to release when the service is no longer needed.
    pub resources: EcsResources,
    /// The quote it runs under.
    pub quote: ConfirmedQuote,
}

impl KeptInstance {
    /// Releases the instance and what was created with it.
    pub async fn release(
        self,
        config: &alibabacloud_core::Config,
        poll: &PollSettings,
    ) -> Result<(), ExecError> {
        release_resources(config, self.resources, poll).await
    }
}

/// Releases resources recorded earlier (instance, security group, and the
/// vSwitch/VPC when created by the run), with the usual retries.
pub async fn release_resources(
    config: &alibabacloud_core::Config,
    resources: EcsResources,
    poll: &PollSettings,
) -> Result<(), ExecError> {
    let clients = Clients {
        ecs: alibabacloud_ecs::Client::new(config),
        vpc: alibabacloud_vpc::Client::new(config),
        poll: poll.clone(),
    };
    let left = release(&clients, resources).await;
    if left.is_empty() {
        Ok(())
    } else {
        Err(ExecError::CleanupIncomplete { left })
    }
}

impl EcsInstance {
    /// Instance id.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }
    /// Zone it runs in (the zone of the quote that had stock).
    pub fn zone(&self) -> &str {
        &self.zone
    }
    /// Private IP.
    pub fn private_ip(&self) -> Option<&str> {
        self.private_ip.as_deref()
    }
    /// Public IP, when one was requested.
    pub fn public_ip(&self) -> Option<&str> {
        self.public_ip.as_deref()
    }
    /// The quote the instance was created under.
    pub fn quote(&self) -> &ConfirmedQuote {
        &self.quote
    }
    /// What was created or reused.
    pub fn resources(&self) -> EcsResources {
        self.guard.res.clone().unwrap_or_default()
    }

    /// One-shot (P8): runs `script` with Cloud Assistant, then always
    /// releases the instance and security group, and the vSwitch/VPC if this
    /// run created them. A non-zero exit is [`ExecError::ScriptFailed`]
    /// (after the release); if the release leaves something behind, the
    /// error lists it.
    pub async fn run_and_release(mut self, script: &str) -> Result<RunOutput, ExecError> {
        let outcome = self.run(script).await;
        let left = self.guard.release_now().await;
        match outcome {
            Ok(out) if left.is_empty() => Ok(out),
            Ok(_) => Err(ExecError::CleanupIncomplete { left }),
            Err(e) => Err(e.with_leftovers(left)),
        }
    }

    /// Long-running (P8): runs `script` (which must start its services in the
    /// background) and keeps the instance. If the script fails, everything is
    /// released and the error returned.
    pub async fn run_and_keep(mut self, script: &str) -> Result<KeptInstance, ExecError> {
        match self.run(script).await {
            Ok(output) => {
                let resources = self.guard.disarm();
                Ok(KeptInstance {
                    instance_id: self.instance_id.clone(),
                    zone: self.zone.clone(),
                    private_ip: self.private_ip.clone(),
                    public_ip: self.public_ip.clone(),
                    output,
                    resources,
                    quote: self.quote.clone(),
                })
            }
            Err(e) => {
                let left = self.guard.release_now().await;
                Err(e.with_leftovers(left))
            }
        }
    }

    /// Releases everything now without running anything.
    pub async fn release(mut self) -> Result<(), ExecError> {
        let left = self.guard.release_now().await;
        if left.is_empty() {
            Ok(())
        } else {
            Err(ExecError::CleanupIncomplete { left })
        }
    }

    async fn run(&self, script: &str) -> Result<RunOutput, ExecError> {
        let c = &self.guard.clients;
        let region = self.quote.quote().offer().region.clone();
        let id = self.instance_id.clone();
        let started = retry_until(
            &c.poll,
            c.poll.ready_timeout,
            |_| false,
            || {
                c.ecs
                    .run_command()
                    .region_id(region.clone())
                    .name(unique_name("provision-run"))
                    .type_("RunShellScript")
                    .command_content(B64.encode(script.as_bytes()))
                    .content_encoding("Base64")
                    .timeout(self.command_timeout_secs)
                    .add_instance_id(id.clone())
                    .send()
            },
        )
        .await
        .map_err(|e| ExecError::api(format!("RunCommand on {id}"), e))?;
        let invoke_id = started
            .invoke_id()
            .ok_or_else(|| ExecError::Invalid("RunCommand answered no InvokeId".into()))?
            .to_owned();
        tracing::info!(%invoke_id, instance = %id, "script started with Cloud Assistant");
        let deadline = tokio::time::Instant::now() + c.poll.run_timeout;
        let mut last = String::from("unknown");
        loop {
            let res = retry_until(
                &c.poll,
                c.poll.ready_timeout,
                |_| false,
                || {
                    c.ecs
                        .describe_invocation_results()
                        .region_id(region.clone())
                        .invoke_id(invoke_id.clone())
                        .instance_id(id.clone())
                        .content_encoding("Base64")
                        .send()
                },
            )
            .await
            .map_err(|e| ExecError::api(format!("DescribeInvocationResults {invoke_id}"), e))?;
            if let Some(r) = res
                .invocation()
                .and_then(|i| i.invocation_results().first())
            {
                let status = r.invocation_status().unwrap_or_default().to_owned();
                if !matches!(
                    status.as_str(),
                    "" | "Pending" | "Running" | "Scheduled" | "Stopping"
                ) {
                    let output = decode(r.output().unwrap_or_default());
                    let exit_code = r.exit_code().unwrap_or(0);
                    let reason = [r.error_code(), r.error_info()]
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(": ");
                    if status == "Success" && exit_code == 0 {
                        return Ok(RunOutput {
                            exit_code,
                            output,
                            invoke_id,
                            instance_id: id,
                        });
                    }
                    return Err(ExecError::ScriptFailed {
                        exit_code: if exit_code == 0 { -1 } else { exit_code },
                        output,
                        reason: if reason.is_empty() { status } else { reason },
                    });
                }
                last = status;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ExecError::Timeout {
                    what: format!("command {invoke_id} on {id}"),
                    wanted: "finished".into(),
                    timeout: c.poll.run_timeout,
                    last,
                });
            }
            tokio::time::sleep(c.poll.interval).await;
        }
    }
}

fn decode(text: &str) -> String {
    match B64.decode(text.trim()) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => text.to_owned(),
    }
}

/// Creates an instance with its network for the first quote that has
/// stock (P7), trying the quotes in order: all must be ECS quotes (the
/// product lock), each names its region and zone.
///
/// On any failure, what this call created is released before the error is
/// returned; out of stock moves on to the next quote.
pub async fn create_instance_with_infra(
    config: &alibabacloud_core::Config,
    quotes: &[ConfirmedQuote],
    launch: &EcsLaunch,
    poll: &PollSettings,
) -> Result<EcsInstance, ExecError> {
    let first = check_quotes(quotes, Product::Ecs)?;
    launch.validate()?;
    for q in quotes {
        if q.quote().offer().zone.as_deref().is_none_or(str::is_empty) {
            return Err(ExecError::Invalid(format!(
                "the ECS quote for {} in {} names no zone",
                q.quote().offer().spec,
                q.quote().offer().region
            )));
        }
    }
    let clients = Clients {
        ecs: alibabacloud_ecs::Client::new(config),
        vpc: alibabacloud_vpc::Client::new(config),
        poll: poll.clone(),
    };
    let mut tried = Vec::new();
    let mut last_stock_error = None;
    for quote in quotes {
        let zone = quote.quote().offer().zone.clone().unwrap_or_default();
        let mut guard = Guard {
            clients: clients.clone(),
            res: None,
        };
        match attempt(&mut guard, quote, launch).await {
            Ok(instance) => return Ok(instance),
            Err(Attempt::OutOfStock(e)) => {
                let left = guard.release_now().await;
                tracing::warn!(%zone, error = %e, "out of stock; trying the next zone");
                tried.push(zone);
                if !left.is_empty() {
                    return Err(
                        ExecError::api(format!("RunInstances in {}", tried.join(", ")), e)
                            .with_leftovers(left),
                    );
                }
                last_stock_error = Some(e);
            }
            Err(Attempt::Failed(e)) => {
                let left = guard.release_now().await;
                return Err(e.with_leftovers(left));
            }
        }
    }
    Err(ExecError::OutOfStock {
        spec: first.quote().offer().spec.clone(),
        tried,
        last: Box::new(last_stock_error.expect("at least one quote was tried")),
    })
}

enum Attempt {
    OutOfStock(alibabacloud_core::Error),
    Failed(ExecError),
}

impl From<ExecError> for Attempt {
    fn from(e: ExecError) -> Self {
        Attempt::Failed(e)
    }
}

async fn attempt(
    guard: &mut Guard,
    quote: &ConfirmedQuote,
    launch: &EcsLaunch,
) -> Result<EcsInstance, Attempt> {
    let c = guard.clients.clone();
    let offer = quote.quote().offer();
    let region = offer.region.clone();
    let zone = offer.zone.clone().unwrap_or_default();
    let spec = offer.spec.clone();
    guard.res().region = region.clone();

    // Image by family.
    let images = retry_until(
        &c.poll,
        c.poll.ready_timeout,
        |_| false,
        || {
            c.ecs
                .describe_images()
                .region_id(region.clone())
                .image_family(launch.image_family.clone())
                .instance_type(spec.clone())
                .status("Available")
                .page_size(50)
                .send()
        },
    )
    .await
    .map_err(|e| {
        ExecError::api(
            format!("DescribeImages for family {}", launch.image_family),
            e,
        )
    })?;
    let image_id = images
        .images()
        .iter()
        .filter(|i| i.image_family() == Some(launch.image_family.as_str()))
        .max_by(|a, b| a.creation_time().cmp(&b.creation_time()))
        .and_then(|i| i.image_id())
        .map(str::to_owned)
        .ok_or_else(|| ExecError::ImageFamilyNotFound {
            family: launch.image_family.clone(),
            region: region.clone(),
            instance_type: spec.clone(),
        })?;

    // Network: reuse an available vSwitch in the zone, or create VPC + vSwitch.
    let existing = retry_until(
        &c.poll,
        c.poll.ready_timeout,
        |_| false,
        || {
            c.vpc
                .describe_v_switches()
                .region_id(region.clone())
                .zone_id(zone.clone())
                .page_size(50)
                .send()
        },
    )
    .await
    .map_err(|e| ExecError::api(format!("DescribeVSwitches in {zone}"), e))?;
    let reuse = existing
        .v_switches()
        .iter()
        .filter(|v| v.status() == Some("Available") && v.zone_id() == Some(zone.as_str()))
        .max_by_key(|v| v.is_default().unwrap_or(false))
        .and_then(|v| Some((v.v_switch_id()?.to_owned(), v.vpc_id()?.to_owned())));
    let (vswitch_id, vpc_id) = match reuse {
        Some((vsw, vpc)) => {
            tracing::info!(%vsw, %vpc, %zone, "reusing vSwitch and VPC");
            let r = guard.res();
            r.vswitch_id = Some(vsw.clone());
            r.vpc_id = Some(vpc.clone());
            (vsw, vpc)
        }
        None => create_network(guard, &region, &zone, &launch.name_prefix).await?,
    };

    // Security group: egress open, SSH only with a public IP.
    let sg_name = unique_name(&format!("{}-sg", launch.name_prefix));
    guard.res().security_group_name = Some(sg_name.clone());
    let sg = c
        .ecs
        .create_security_group()
        .region_id(region.clone())
        .vpc_id(vpc_id.clone())
        .security_group_name(sg_name.clone())
        .description("created by alibabacloud-provision for one run")
        .client_token(sg_name.clone())
        .send()
        .await
        .map_err(|e| ExecError::api(format!("CreateSecurityGroup in {vpc_id}"), e))?;
    let sg_id = sg
        .security_group_id()
        .ok_or_else(|| ExecError::Invalid("CreateSecurityGroup answered no id".into()))?
        .to_owned();
    guard.res().security_group_id = Some(sg_id.clone());
    retry_until(
        &c.poll,
        c.poll.ready_timeout,
        |_| false,
        || {
            c.ecs
                .authorize_security_group_egress()
                .region_id(region.clone())
                .security_group_id(sg_id.clone())
                .ip_protocol("ALL")
                .port_range("-1/-1")
                .dest_cidr_ip("0.0.0.0/0")
                .policy("accept")
                .description("egress open")
                .send()
        },
    )
    .await
    .map_err(|e| ExecError::api(format!("AuthorizeSecurityGroupEgress on {sg_id}"), e))?;
    if launch.public_ip {
        retry_until(
            &c.poll,
            c.poll.ready_timeout,
            |_| false,
            || {
                c.ecs
                    .authorize_security_group()
                    .region_id(region.clone())
                    .security_group_id(sg_id.clone())
                    .ip_protocol("TCP")
                    .port_range("22/22")
                    .source_cidr_ip(launch.ssh_source_cidr.clone())
                    .policy("accept")
                    .description("SSH (public IP requested)")
                    .send()
            },
        )
        .await
        .map_err(|e| ExecError::api(format!("AuthorizeSecurityGroup (SSH) on {sg_id}"), e))?;
    }

    // The instance.
    let name = unique_name(&launch.name_prefix);
    guard.res().instance_name = Some(name.clone());
    let mut run = c
        .ecs
        .run_instances()
        .region_id(region.clone())
        .zone_id(zone.clone())
        .instance_type(spec.clone())
        .image_id(image_id.clone())
        .security_group_id(sg_id.clone())
        .v_switch_id(vswitch_id.clone())
        .instance_name(name.clone())
        .instance_charge_type(match quote.quote().billing() {
            crate::Billing::PayAsYouGo => "PostPaid",
            crate::Billing::Subscription => "PrePaid",
        })
        .amount(1)
        .client_token(name.clone());
    if launch.public_ip {
        run = run
            .internet_charge_type("PayByTraffic")
            .internet_max_bandwidth_out(launch.bandwidth_out_mbps);
    }
    let created = match run.send().await {
        Ok(out) => out,
        Err(e) if e.is_out_of_stock() => return Err(Attempt::OutOfStock(e)),
        Err(e) => {
            return Err(ExecError::api(format!("RunInstances ({spec} in {zone})"), e).into());
        }
    };
    let instance_id = created
        .instance_id_sets()
        .first()
        .ok_or_else(|| ExecError::Invalid("RunInstances answered no instance id".into()))?
        .clone();
    guard.res().instance_id = Some(instance_id.clone());
    tracing::info!(%instance_id, %zone, %spec, "instance created");

    // Wait for Running.
    let deadline = tokio::time::Instant::now() + c.poll.ready_timeout;
    let mut last = String::from("unknown");
    let mut seen_starting = false;
    loop {
        let status = retry_until(
            &c.poll,
            c.poll.ready_timeout,
            |_| false,
            || {
                c.ecs
                    .describe_instance_status()
                    .region_id(region.clone())
                    .add_instance_id(instance_id.clone())
                    .send()
            },
        )
        .await
        .map_err(|e| ExecError::api(format!("DescribeInstanceStatus {instance_id}"), e))?;
        let s = status
            .instance_statuses()
            .iter()
            .find(|s| s.instance_id() == Some(instance_id.as_str()))
            .and_then(|s| s.status())
            .unwrap_or_default()
            .to_owned();
        match s.as_str() {
            "Running" => break,
            "Pending" | "Starting" => seen_starting = true,
            "Stopped" if seen_starting => {
                return Err(ExecError::ResourceFailed {
                    what: format!("instance {instance_id}"),
                    status: s,
                    reason: "it stopped while starting up".into(),
                }
                .into());
            }
            _ => {}
        }
        last = if s.is_empty() { last } else { s };
        if tokio::time::Instant::now() >= deadline {
            return Err(ExecError::Timeout {
                what: format!("instance {instance_id}"),
                wanted: "Running".into(),
                timeout: c.poll.ready_timeout,
                last,
            }
            .into());
        }
        tokio::time::sleep(c.poll.interval).await;
    }

    let described = retry_until(
        &c.poll,
        c.poll.ready_timeout,
        |_| false,
        || {
            c.ecs
                .describe_instances()
                .region_id(region.clone())
                .instance_ids([instance_id.clone()])
                .send()
        },
    )
    .await
    .map_err(|e| ExecError::api(format!("DescribeInstances {instance_id}"), e))?;
    let inst = described
        .instances()
        .iter()
        .find(|i| i.instance_id() == Some(instance_id.as_str()));
    let private_ip = inst
        .and_then(|i| i.vpc_attributes())
        .and_then(|v| v.private_ip_address().first().cloned());
    let public_ip = inst.and_then(|i| i.public_ip_address().first().cloned());

    Ok(EcsInstance {
        guard: Guard {
            clients: c,
            res: guard.res.take(),
        },
        quote: quote.clone(),
        zone,
        instance_id,
        private_ip,
        public_ip,
        command_timeout_secs: launch.command_timeout_secs,
    })
}

const VPC_CIDR: &str = "192.168.0.0/16";
const VSWITCH_CIDR: &str = "192.168.0.0/24";

async fn create_network(
    guard: &mut Guard,
    region: &str,
    zone: &str,
    prefix: &str,
) -> Result<(String, String), ExecError> {
    let c = guard.clients.clone();
    let name = unique_name(&format!("{prefix}-vpc"));
    let vpc = c
        .vpc
        .create_vpc()
        .region_id(region)
        .cidr_block(VPC_CIDR)
        .vpc_name(name.clone())
        .description("created by alibabacloud-provision for one run")
        .client_token(name.clone())
        .send()
        .await
        .map_err(|e| ExecError::api(format!("CreateVpc in {region}"), e))?;
    let vpc_id = vpc
        .vpc_id()
        .ok_or_else(|| ExecError::Invalid("CreateVpc answered no id".into()))?
        .to_owned();
    {
        let r = guard.res();
        r.vpc_id = Some(vpc_id.clone());
        r.vpc_created = true;
    }
    wait_available(&c, &format!("VPC {vpc_id}"), || async {
        let out = c
            .vpc
            .describe_vpcs()
            .region_id(region)
            .vpc_id(vpc_id.clone())
            .send()
            .await?;
        Ok(out
            .vpcs()
            .first()
            .and_then(|v| v.status())
            .unwrap_or_default()
            .to_owned())
    })
    .await?;
    let vsw_name = unique_name(&format!("{prefix}-vsw"));
    let vsw = c
        .vpc
        .create_v_switch()
        .region_id(region)
        .zone_id(zone)
        .vpc_id(vpc_id.clone())
        .cidr_block(VSWITCH_CIDR)
        .v_switch_name(vsw_name.clone())
        .client_token(vsw_name)
        .send()
        .await
        .map_err(|e| ExecError::api(format!("CreateVSwitch in {zone}"), e))?;
    let vsw_id = vsw
        .v_switch_id()
        .ok_or_else(|| ExecError::Invalid("CreateVSwitch answered no id".into()))?
        .to_owned();
    {
        let r = guard.res();
        r.vswitch_id = Some(vsw_id.clone());
        r.vswitch_created = true;
    }
    wait_available(&c, &format!("vSwitch {vsw_id}"), || async {
        let out = c
            .vpc
            .describe_v_switches()
            .region_id(region)
            .v_switch_id(vsw_id.clone())
            .send()
            .await?;
        Ok(out
            .v_switches()
            .first()
            .and_then(|v| v.status())
            .unwrap_or_default()
            .to_owned())
    })
    .await?;
    tracing::info!(%vpc_id, %vsw_id, %zone, "created VPC and vSwitch");
    Ok((vsw_id, vpc_id))
}

async fn wait_available<F, Fut>(c: &Clients, what: &str, status: F) -> Result<(), ExecError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<String, alibabacloud_core::Error>>,
{
    let step = format!("describing {what}");
    super::wait_for_status(
        &c.poll,
        c.poll.ready_timeout,
        (what, "Available", &step),
        status,
        |s| {
            if s == "Available" {
                WaitOutcome::Done
            } else {
                WaitOutcome::Continue
            }
        },
    )
    .await
    .map(drop)
}

fn is_dependency(e: &alibabacloud_core::Error) -> bool {
    e.code().is_some_and(|c| {
        c.starts_with("DependencyViolation")
            || c == "IncorrectInstanceStatus"
            || c == "IncorrectVpcStatus"
            || c == "IncorrectStatus"
            || c.contains("Dependency")
    })
}

/// Releases `res`; returns what was left (`kind id: why`).
async fn release(c: &Clients, mut res: EcsResources) -> Vec<String> {
    let mut left = Vec::new();
    let region = res.region.clone();
    let timeout = c.poll.release_timeout;

    // A create that was in flight when the run was dropped: find it by name.
    if res.instance_id.is_none() {
        if let Some(name) = &res.instance_name {
            res.instance_id = find_instance(c, &region, name).await;
        }
    }
    if res.security_group_id.is_none() {
        if let (Some(name), Some(vpc)) = (res.security_group_name.clone(), res.vpc_id.clone()) {
            if let Ok(out) = retry_until(
                &c.poll,
                timeout,
                |_| false,
                || {
                    c.ecs
                        .describe_security_groups()
                        .region_id(region.clone())
                        .vpc_id(vpc.clone())
                        .security_group_name(name.clone())
                        .send()
                },
            )
            .await
            {
                res.security_group_id = out
                    .security_groups()
                    .iter()
                    .find(|g| g.security_group_name() == Some(name.as_str()))
                    .and_then(|g| g.security_group_id())
                    .map(str::to_owned);
            }
        }
    }

    if let Some(id) = &res.instance_id {
        if let Err(why) = delete_instance(c, &region, id).await {
            left.push(why);
        }
    }
    if let Some(id) = &res.security_group_id {
        // Retried while instances still use it. An instance whose create
        // was in flight when the run was dropped may only show up now: it
        // is looked up by name again and released first.
        let deadline = tokio::time::Instant::now() + timeout;
        let mut instance_known = res.instance_id.is_some();
        loop {
            let r = c
                .ecs
                .delete_security_group()
                .region_id(region.clone())
                .security_group_id(id.clone())
                .send()
                .await;
            match r {
                Ok(_) => {
                    tracing::info!(security_group = %id, "security group deleted");
                    break;
                }
                Err(e) if e.is_not_found() => break,
                Err(e)
                    if (is_dependency(&e) || e.is_retryable())
                        && tokio::time::Instant::now() + c.poll.interval < deadline =>
                {
                    if !instance_known && is_dependency(&e) {
                        if let Some(name) = &res.instance_name {
                            if let Some(late) = find_instance(c, &region, name).await {
                                instance_known = true;
                                if let Err(why) = delete_instance(c, &region, &late).await {
                                    left.push(why);
                                }
                            }
                        }
                    }
                    tokio::time::sleep(c.poll.interval).await;
                }
                Err(e) => {
                    left.push(format!("security group {id}: {e}"));
                    break;
                }
            }
        }
    }
    if let (true, Some(id)) = (res.vswitch_created, &res.vswitch_id) {
        let r = retry_until(&c.poll, timeout, is_dependency, || {
            c.vpc
                .delete_v_switch()
                .region_id(region.clone())
                .v_switch_id(id.clone())
                .send()
        })
        .await;
        match r {
            Ok(_) => tracing::info!(vswitch = %id, "vSwitch deleted"),
            Err(e) if e.is_not_found() => {}
            Err(e) => left.push(format!("vSwitch {id}: {e}")),
        }
    }
    if let (true, Some(id)) = (res.vpc_created, &res.vpc_id) {
        let r = retry_until(&c.poll, timeout, is_dependency, || {
            c.vpc
                .delete_vpc()
                .region_id(region.clone())
                .vpc_id(id.clone())
                .send()
        })
        .await;
        match r {
            Ok(_) => tracing::info!(vpc = %id, "VPC deleted"),
            Err(e) if e.is_not_found() => {}
            Err(e) => left.push(format!("VPC {id}: {e}")),
        }
    }
    left
}

async fn find_instance(c: &Clients, region: &str, name: &str) -> Option<String> {
    let out = retry_until(
        &c.poll,
        c.poll.release_timeout,
        |_| false,
        || {
            c.ecs
                .describe_instances()
                .region_id(region)
                .instance_name(name)
                .send()
        },
    )
    .await
    .ok()?;
    out.instances()
        .iter()
        .find(|i| i.instance_name() == Some(name))
        .and_then(|i| i.instance_id())
        .map(str::to_owned)
}

/// Releases one instance, retrying on `IncorrectInstanceStatus`.
async fn delete_instance(c: &Clients, region: &str, id: &str) -> Result<(), String> {
    let r = retry_until(&c.poll, c.poll.release_timeout, is_dependency, || {
        c.ecs
            .delete_instances()
            .region_id(region)
            .add_instance_id(id)
            .force(true)
            .send()
    })
    .await;
    match r {
        Ok(_) => {
            tracing::info!(instance = %id, "instance released");
            Ok(())
        }
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(format!("instance {id}: {e}")),
    }
}
