//! Which product runs the task (P2).

use std::fmt;
use std::str::FromStr;

use crate::requirements::{Requirements, TaskKind};

/// The compute products a task can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    /// Elastic Compute Service: a virtual machine.
    Ecs,
    /// Function Compute 3.0: a function, CPU or GPU.
    Fc,
    /// Container Service for Kubernetes: a Kubernetes Job.
    Ack,
    /// PAI Deep Learning Containers: a training job.
    PaiDlc,
}

impl Product {
    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Product::Ecs => "ECS",
            Product::Fc => "FC",
            Product::Ack => "ACK",
            Product::PaiDlc => "PAI-DLC",
        }
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A product name that is not one of ECS, FC, ACK, PAI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown product `{0}` (use ecs, fc, ack or pai)")]
pub struct UnknownProduct(pub String);

impl FromStr for Product {
    type Err = UnknownProduct;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ecs" => Ok(Product::Ecs),
            "fc" | "fc3" | "function-compute" | "functioncompute" => Ok(Product::Fc),
            "ack" | "cs" | "k8s" | "kubernetes" => Ok(Product::Ack),
            "pai" | "dlc" | "pai-dlc" | "paidlc" => Ok(Product::PaiDlc),
            _ => Err(UnknownProduct(s.trim().to_owned())),
        }
    }
}

/// The outcome of the decision tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductChoice {
    /// Candidates, most fitting first. One element when locked or when only
    /// one product fits; two or more means they must be compared with real
    /// API calls before choosing.
    pub candidates: Vec<Product>,
    /// True when the caller named the product: it holds for the whole task,
    /// errors included (no silent switch).
    pub locked: bool,
    /// Why, in words.
    pub reason: String,
}

impl ProductChoice {
    /// Whether the candidates must be compared before choosing.
    pub fn needs_comparison(&self) -> bool {
        self.candidates.len() > 1
    }
}

/// Applies the P2 decision tree.
pub fn choose(req: &Requirements) -> ProductChoice {
    if let Some(product) = req.product() {
        return ProductChoice {
            candidates: vec![product],
            locked: true,
            reason: format!("{product} was requested explicitly; it stays locked for the task"),
        };
    }
    let (candidates, reason) = match req.task() {
        TaskKind::Service => (
            vec![Product::Ecs, Product::Ack],
            "a long-running service needs ECS or ACK (FC and PAI-DLC are for bounded work)",
        ),
        TaskKind::Training => (
            vec![Product::PaiDlc, Product::Fc],
            "training fits PAI-DLC or FC with GPU; both are compared with real prices and stock",
        ),
        TaskKind::OneShot if req.kubernetes() => (
            vec![Product::Ack],
            "the task asks for Kubernetes, which means ACK",
        ),
        TaskKind::OneShot => (
            vec![Product::Ecs],
            "a one-shot script runs on ECS by default",
        ),
    };
    let (candidates, reason) = if req.kubernetes() && req.task() == TaskKind::Service {
        (
            vec![Product::Ack],
            "a long-running service on Kubernetes means ACK",
        )
    } else {
        (candidates, reason)
    };
    ProductChoice {
        candidates,
        locked: false,
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p2_explicit_product_is_locked() {
        let r: Requirements = "training 1x A10 product=ecs".parse().unwrap();
        let c = choose(&r);
        assert_eq!(c.candidates, vec![Product::Ecs]);
        assert!(c.locked);
        assert!(!c.needs_comparison());
    }

    #[test]
    fn p2_decision_tree() {
        let service: Requirements = "service 2 vCPU".parse().unwrap();
        assert_eq!(
            choose(&service).candidates,
            vec![Product::Ecs, Product::Ack]
        );
        let training: Requirements = "training 1x A10".parse().unwrap();
        let c = choose(&training);
        assert_eq!(c.candidates, vec![Product::PaiDlc, Product::Fc]);
        assert!(c.needs_comparison());
        let k8s: Requirements = "k8s 2 vCPU".parse().unwrap();
        assert_eq!(choose(&k8s).candidates, vec![Product::Ack]);
        let default: Requirements = "2 vCPU 4 GiB".parse().unwrap();
        let c = choose(&default);
        assert_eq!(c.candidates, vec![Product::Ecs]);
        assert!(!c.locked);
    }
}
