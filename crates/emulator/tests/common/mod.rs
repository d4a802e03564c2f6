//! Test helpers: a started emulator and raw calls through the core
//! transport (`alibabacloud_core::ServiceClient` + `Request`).

#![allow(dead_code)]

use std::time::Duration;

use alibabacloud_core::endpoint::{EndpointRule, ServiceInfo};
use alibabacloud_core::{
    ApiStyle, Config, Error, OperationMeta, Request, RetryPolicy, ServiceClient,
};
use alibabacloud_emulator::{Emulator, Product};
use serde_json::Value;

macro_rules! service {
    ($name:ident, $product:literal, $version:literal, $style:expr, $prefix:literal) => {
        pub static $name: ServiceInfo = ServiceInfo {
            product: $product,
            version: $version,
            style: $style,
            endpoint_prefix: $prefix,
            endpoints: &[],
            rule: EndpointRule::Regional,
        };
    };
}

service!(ECS, "Ecs", "2014-05-26", ApiStyle::Rpc, "ecs");
service!(VPC, "Vpc", "2016-04-28", ApiStyle::Rpc, "vpc");
service!(BSS, "BssOpenApi", "2017-12-14", ApiStyle::Rpc, "business");
service!(FC, "FC", "2023-03-30", ApiStyle::Roa, "fcv3");
service!(CS, "CS", "2015-12-15", ApiStyle::Roa, "cs");
service!(DLC, "pai-dlc", "2020-12-03", ApiStyle::Roa, "pai-dlc");
service!(EAS, "eas", "2021-07-01", ApiStyle::Roa, "pai-eas");
service!(
    AIW,
    "AIWorkSpace",
    "2021-02-04",
    ApiStyle::Roa,
    "aiworkspace"
);
service!(SYSOM, "SysOM", "2023-12-30", ApiStyle::Roa, "sysom");

/// The service description of a product.
pub fn service(product: Product) -> &'static ServiceInfo {
    match product {
        Product::Ecs => &ECS,
        Product::Vpc => &VPC,
        Product::Bss => &BSS,
        Product::Fc => &FC,
        Product::Cs => &CS,
        Product::PaiDlc => &DLC,
        Product::Eas => &EAS,
        Product::AiWorkspace => &AIW,
        Product::Sysom => &SYSOM,
        _ => unreachable!("every product is listed"),
    }
}

/// An emulator with a frozen clock and reproducible ids.
pub async fn emulator() -> Emulator {
    Emulator::builder()
        .frozen_clock()
        .seed(7)
        .strict_responses(true)
        .start()
        .await
        .expect("the emulator starts")
}

/// The emulator's configuration without retries (faults stay visible).
pub fn config(emulator: &Emulator) -> Config {
    emulator
        .config()
        .to_builder()
        .retry_policy(RetryPolicy::disabled())
        .read_timeout(Duration::from_secs(10))
        .build()
        .expect("valid config")
}

/// Clients of every product.
pub struct Clients {
    pub config: Config,
}

impl Clients {
    pub fn new(config: Config) -> Self {
        Self { config }
    }

    pub fn client(&self, product: Product) -> ServiceClient {
        ServiceClient::new(&self.config, service(product))
    }

    /// An RPC call with `params` in the query.
    pub async fn rpc(
        &self,
        product: Product,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<Value, Error> {
        let mut req = Request::new(meta(action, "POST", "/"));
        for (k, v) in params {
            req.query_mut().push(*k, v);
        }
        self.client(product).send_json(req).await
    }

    /// A ROA call with an already encoded `path`, query and optional JSON body.
    pub async fn roa(
        &self,
        product: Product,
        action: &str,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<Value, Error> {
        let mut req = Request::new(meta(action, method, path));
        for (k, v) in query {
            req.query_mut().push(*k, v);
        }
        if let Some(b) = body {
            req.json_body(&b).expect("serializable body");
        }
        self.client(product).send_json(req).await
    }

    /// A ROA call with a raw body, returning the raw response.
    pub async fn roa_raw(
        &self,
        product: Product,
        action: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<alibabacloud_core::Response, Error> {
        let mut req = Request::new(meta(action, method, path));
        for (k, v) in headers {
            req.header(*k, v);
        }
        if let Some((bytes, content_type)) = body {
            req.raw_body(bytes, content_type);
        }
        self.client(product).send(req).await
    }
}

/// Operation metadata for a call (leaked: tests make few calls).
pub fn meta(action: &str, method: &str, path: &str) -> &'static OperationMeta {
    Box::leak(Box::new(OperationMeta {
        action: Box::leak(action.to_owned().into_boxed_str()),
        method: Box::leak(method.to_owned().into_boxed_str()),
        path: Box::leak(path.to_owned().into_boxed_str()),
        read_only: action.starts_with("Describe")
            || action.starts_with("Get")
            || action.starts_with("List"),
    }))
}

/// The service error code of a failed call.
pub fn code(result: Result<Value, Error>) -> String {
    match result {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e.code().unwrap_or("<no code>").to_owned(),
    }
}

/// The items of an RPC list wrapper (`{"Instances":{"Instance":[...]}}`).
pub fn items<'a>(v: &'a Value, outer: &str, inner: &str) -> &'a Vec<Value> {
    v[outer][inner]
        .as_array()
        .unwrap_or_else(|| panic!("{outer}.{inner} is a list in {v}"))
}
