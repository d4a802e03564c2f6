//! Everything the emulator remembers: the catalog, stock overrides, and the
//! resources of every product.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::catalog::{Catalog, StockStatus};
use crate::control::LiveResource;
use crate::products::{cs, dlc, eas, ecs, fc, sysom, vpc};

/// The mutable world.
#[derive(Debug)]
pub(crate) struct State {
    pub catalog: Arc<Catalog>,
    pub rng: StdRng,
    pub account_id: String,
    pub default_region: String,
    /// Stock overrides: (zone, instance type) → status.
    pub stock: HashMap<(String, String), StockStatus>,
    pub ecs: ecs::EcsState,
    pub vpc: vpc::VpcState,
    pub dlc: dlc::DlcState,
    pub eas: eas::EasState,
    pub sysom: sysom::SysomState,
    pub fc: fc::FcState,
    pub cs: cs::CsState,
}

const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

impl State {
    pub fn new(
        catalog: Arc<Catalog>,
        seed: Option<u64>,
        account_id: String,
        default_region: String,
        now: SystemTime,
    ) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        let mut state = Self {
            catalog,
            rng,
            account_id,
            default_region,
            stock: HashMap::new(),
            ecs: ecs::EcsState::default(),
            vpc: vpc::VpcState::default(),
            dlc: dlc::DlcState::default(),
            eas: eas::EasState::default(),
            sysom: sysom::SysomState::default(),
            fc: fc::FcState::default(),
            cs: cs::CsState::default(),
        };
        vpc::seed(&mut state, now);
        eas::seed(&mut state, now);
        state
    }

    /// Random lowercase letters and digits.
    pub fn alnum(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| ALNUM[self.rng.random_range(0..ALNUM.len())] as char)
            .collect()
    }

    /// Random lowercase hex.
    pub fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| ALNUM[self.rng.random_range(0..16)] as char)
            .collect()
    }

    /// A resource id in the ECS/VPC style: `<prefix>-<region code><random>`.
    pub fn regional_id(&mut self, prefix: &str, region: &str) -> String {
        let code = self
            .catalog
            .region(region)
            .map_or_else(|| "emu".to_owned(), |r| r.id_prefix.clone());
        let tail = self.alnum(20 - code.len().min(17));
        format!("{prefix}-{code}{tail}")
    }

    /// A UUID-shaped random id.
    pub fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// Current stock of `instance_type` in `zone`; `None` when it is not
    /// offered there.
    pub fn stock_of(&self, zone: &str, instance_type: &str) -> Option<StockStatus> {
        let base = self.catalog.base_stock(zone, instance_type);
        match self.stock.get(&(zone.to_owned(), instance_type.to_owned())) {
            Some(s) => Some(*s),
            None => base,
        }
    }

    /// Whether `instance_type` has stock in some zone of `region`.
    pub fn available_in_region(&self, region: &str, instance_type: &str) -> bool {
        self.catalog.region(region).is_some_and(|r| {
            r.zones.iter().any(|z| {
                self.stock_of(&z.zone_id, instance_type)
                    .is_some_and(StockStatus::has_stock)
            })
        })
    }

    /// Applies every due status transition.
    pub fn tick(&mut self, now: SystemTime) {
        ecs::tick(self, now);
        vpc::tick(self, now);
        dlc::tick(self, now);
        eas::tick(self, now);
        sysom::tick(self, now);
        cs::tick(self, now);
    }

    /// Resources created through the API that still exist.
    pub fn live_resources(&self) -> Vec<LiveResource> {
        let mut out = Vec::new();
        ecs::live(self, &mut out);
        vpc::live(self, &mut out);
        dlc::live(self, &mut out);
        eas::live(self, &mut out);
        fc::live(self, &mut out);
        cs::live(self, &mut out);
        out.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
        out
    }
}
