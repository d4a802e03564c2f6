"""Drives the emulator with the official Alibaba Cloud Python SDKs, unchanged.

Run by tests/python_sdk.rs, which starts an emulator and passes:
  EMULATOR_HOST            host:port of the emulator (no scheme)
  EMULATOR_ACCESS_KEY_ID   access key id the emulator accepts
  EMULATOR_ACCESS_KEY_SECRET
Needs: pip install alibabacloud-ecs20140526 alibabacloud-pai-dlc20201203 alibabacloud-sysom20231230
Prints one line per check and exits non-zero on the first failure.
"""

import json
import os
import sys

from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_pai_dlc20201203 import models as dlc_models
from alibabacloud_pai_dlc20201203.client import Client as DlcClient
from alibabacloud_sysom20231230 import models as sysom_models
from alibabacloud_sysom20231230.client import Client as SysomClient

HOST = os.environ["EMULATOR_HOST"]
KEY_ID = os.environ["EMULATOR_ACCESS_KEY_ID"]
KEY_SECRET = os.environ["EMULATOR_ACCESS_KEY_SECRET"]


def config(secret=KEY_SECRET):
    return open_api_models.Config(
        access_key_id=KEY_ID,
        access_key_secret=secret,
        endpoint=HOST,
        protocol="http",
        region_id="cn-hangzhou",
    )


def check(name, condition, detail=""):
    if not condition:
        print(f"FAIL {name}: {detail}")
        sys.exit(1)
    print(f"ok   {name}")


def main():
    ecs = EcsClient(config())

    regions = ecs.describe_regions(ecs_models.DescribeRegionsRequest()).body
    ids = [r.region_id for r in regions.regions.region]
    check("ecs DescribeRegions", len(ids) >= 10 and "cn-hangzhou" in ids, ids)
    check("ecs DescribeRegions request id", bool(regions.request_id))

    instances = ecs.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou", page_size=10)
    ).body
    check(
        "ecs DescribeInstances",
        instances.total_count == 0 and instances.instances.instance == [],
        instances.to_map(),
    )

    types = ecs.describe_instance_types(
        ecs_models.DescribeInstanceTypesRequest(minimum_gpuamount=1, gpuspec="NVIDIA A10")
    ).body
    names = [t.instance_type_id for t in types.instance_types.instance_type]
    check("ecs DescribeInstanceTypes with GPU filters", names and all("gn7i" in n for n in names), names)

    try:
        ecs.describe_zones(ecs_models.DescribeZonesRequest())
        check("ecs DescribeZones without RegionId is refused", False, "no error")
    except Exception as e:  # the SDK raises its ClientException
        check("ecs DescribeZones without RegionId is refused", getattr(e, "code", "") == "MissingParameter", repr(e))

    dlc = DlcClient(config())
    spec = dlc_models.JobSpec(
        type="Worker",
        pod_count=1,
        image="dsw-registry-vpc.cn-hangzhou.cr.aliyuncs.com/pai/pytorch-training:2.5.1-gpu-py311-cu124-ubuntu22.04",
        ecs_spec="ecs.gn6i-c4g1.xlarge",
    )
    created = dlc.create_job(
        dlc_models.CreateJobRequest(
            display_name="resnet50-imagenet-emulator",
            job_type="PyTorchJob",
            job_specs=[spec],
            user_command="echo training && python train.py",
            workspace_id="100001",
        )
    ).body
    check("dlc CreateJob", created.job_id and created.job_id.startswith("dlc"), created.to_map())

    job = dlc.get_job(created.job_id, dlc_models.GetJobRequest()).body
    check(
        "dlc GetJob",
        job.job_id == created.job_id
        and job.status in ("Creating", "Queuing", "EnvPreparing", "Running")
        and job.job_specs[0].ecs_spec == "ecs.gn6i-c4g1.xlarge"
        and len(job.pods) == 1,
        job.to_map(),
    )

    sysom = SysomClient(config())
    init = sysom.initial_sysom(sysom_models.InitialSysomRequest(check_only=False, source="emulator-test")).body
    check("sysom InitialSysom", init.code == "Success" and init.data.role_exist is True, init.to_map())

    params = {
        "instance": created.job_id,
        "region": "cn-hangzhou",
        "product": "DLC",
        "start_time": 0,
        "end_time": 0,
        "type": "ocd",
        "ai_roadmap": True,
        "enable_sysom_link": False,
        "ocd_description": "GPU_OOM_instance_restart",
    }
    invoked = sysom.invoke_diagnosis(
        sysom_models.InvokeDiagnosisRequest(service_name="ocd", channel="ecs", params=json.dumps(params))
    ).body
    check("sysom InvokeDiagnosis", invoked.code == "Success" and bool(invoked.data.task_id), invoked.to_map())

    try:
        sysom.invoke_diagnosis(
            sysom_models.InvokeDiagnosisRequest(service_name="ocd", channel="ecs", params=json.dumps(params))
        )
        check("sysom InvokeDiagnosis while one runs", False, "no error")
    except Exception as e:
        check(
            "sysom InvokeDiagnosis while one runs",
            getattr(e, "code", "") == "Sysom.TaskInProgress" and invoked.data.task_id in str(e),
            repr(e),
        )

    result = sysom.get_diagnosis_result(
        sysom_models.GetDiagnosisResultRequest(task_id=invoked.data.task_id)
    ).body
    check(
        "sysom GetDiagnosisResult",
        result.code == "Success" and result.data.task_id == invoked.data.task_id and result.data.status in ("Ready", "Running"),
        result.to_map(),
    )

    try:
        EcsClient(config(secret="not-the-secret")).describe_regions(ecs_models.DescribeRegionsRequest())
        check("a wrong secret is refused", False, "no error")
    except Exception as e:
        check("a wrong secret is refused", getattr(e, "code", "") == "SignatureDoesNotMatch", repr(e))

    print("official Python SDK: all checks passed")


if __name__ == "__main__":
    main()
