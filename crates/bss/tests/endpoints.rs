//! The generated endpoint tables (`alibabacloud_core::generated::endpoints`)
//! and the rule of each product.

use alibabacloud_core::endpoint::{ServiceInfo, resolve};
use alibabacloud_core::generated::endpoints::{
    ACK, AIWORKSPACE, BSS, EAS, ECS, FC, PAI_DLC, SYSOM, VPC,
};

fn host(service: &ServiceInfo, region: &str, account: Option<&str>) -> String {
    resolve(service, region, account, None)
        .unwrap()
        .host_header()
        .to_owned()
}

#[test]
fn tables_are_sorted_and_trimmed() {
    for service in [
        &ECS,
        &VPC,
        &FC,
        &ACK,
        &PAI_DLC,
        &EAS,
        &AIWORKSPACE,
        &SYSOM,
        &BSS,
    ] {
        let regions: Vec<&str> = service.endpoints.iter().map(|(r, _)| *r).collect();
        let mut sorted = regions.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(regions, sorted, "{}", service.product);
        for (region, host) in service.endpoints {
            assert_eq!(*host, host.trim(), "{} {region}", service.product);
            assert!(!host.is_empty());
        }
    }
}

#[test]
fn product_rules() {
    // The published table first.
    assert_eq!(
        host(&ECS, "cn-hangzhou", None),
        "ecs-cn-hangzhou.aliyuncs.com"
    );
    // The regional pattern for a region the table does not list.
    assert_eq!(host(&ECS, "xx-test-1", None), "ecs.xx-test-1.aliyuncs.com");
    assert_eq!(
        host(&PAI_DLC, "xx-test-1", None),
        "pai-dlc.xx-test-1.aliyuncs.com"
    );
    assert_eq!(
        host(&EAS, "xx-test-1", None),
        "pai-eas.xx-test-1.aliyuncs.com"
    );
    assert_eq!(host(&ACK, "xx-test-1", None), "cs.xx-test-1.aliyuncs.com");
    assert_eq!(
        host(&AIWORKSPACE, "xx-test-1", None),
        "aiworkspace.xx-test-1.aliyuncs.com"
    );
    assert_eq!(host(&VPC, "xx-test-1", None), "vpc.xx-test-1.aliyuncs.com");
    // FC 3.0: the account endpoint when the account id is known.
    assert_eq!(
        host(&FC, "cn-shanghai", Some("1234567890")),
        "1234567890.cn-shanghai.fc.aliyuncs.com"
    );
    assert_eq!(host(&FC, "xx-test-1", None), "fcv3.xx-test-1.aliyuncs.com");
    // SysOM: one central host.
    assert_eq!(
        host(&SYSOM, "cn-beijing", None),
        "sysom.cn-hangzhou.aliyuncs.com"
    );
    // BSS: China or international.
    assert_eq!(host(&BSS, "cn-shenzhen", None), "business.aliyuncs.com");
    assert_eq!(
        host(&BSS, "xx-test-1", None),
        "business.ap-southeast-1.aliyuncs.com"
    );
    assert_eq!(BSS.product, "BssOpenApi");
    assert_eq!(ACK.product, "CS");
    assert_eq!(FC.version, "2023-03-30");
}
