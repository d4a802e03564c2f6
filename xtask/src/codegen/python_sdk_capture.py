# Captures what the official Python SDKs send, for the expected values of the
# hand-written wiremock tests in crates/*/tests/wire.rs.
#
# Not run by CI. To use it:
#   python3 -m venv target/pyenv
#   target/pyenv/bin/pip install alibabacloud-ecs20140526 alibabacloud-pai-dlc20201203 \
#       alibabacloud-eas20210701 alibabacloud-fc20230330 alibabacloud-cs20151215 \
#       alibabacloud-sysom20231230 alibabacloud-aiworkspace20210204
#   target/pyenv/bin/python xtask/src/codegen/python_sdk_capture.py
# It starts a loopback HTTP server, calls each SDK with the inputs the Rust
# tests use (fake keys) and prints one JSON line per captured request.
import json, threading, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

captured = []
KEEP = ('content-type', 'x-acs-action', 'x-acs-version', 'x-fc-invocation-type',
        'x-fc-log-type', 'x-fc-async-task-id')

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def handle_any(self):
        n = int(self.headers.get('content-length') or 0)
        body = self.rfile.read(n)
        u = urllib.parse.urlsplit(self.path)
        captured.append({
            'method': self.command,
            'path': u.path,
            'query': sorted(urllib.parse.parse_qsl(u.query, keep_blank_values=True)),
            'headers': {k.lower(): v for k, v in self.headers.items() if k.lower() in KEEP},
            'body': body.decode('utf-8', 'replace'),
        })
        resp = b'{}'
        self.send_response(200)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(resp)))
        self.end_headers()
        self.wfile.write(resp)
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

srv = ThreadingHTTPServer(('127.0.0.1', 0), H)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()

from alibabacloud_tea_openapi import utils_models as um
from alibabacloud_tea_openapi import models as old_models

def cfg(new=True):
    M = um if new else old_models
    return M.Config(access_key_id='LTAI-fake-id', access_key_secret='fake-secret',
                    endpoint=f'127.0.0.1:{port}', protocol='http', region_id='cn-hangzhou')

def show(name, fn):
    before = len(captured)
    try:
        fn()
    except Exception as e:
        print(f'# {name}: exception {type(e).__name__}: {e}', file=sys.stderr)
    for req in captured[before:]:
        print(json.dumps({'op': name, **req}, ensure_ascii=False, sort_keys=True))

# ---------------- ECS
import alibabacloud_ecs20140526.client as ecsc
import alibabacloud_ecs20140526.models as ecsm
ecs = ecsc.Client(cfg())
show('DescribeInstances', lambda: ecs.describe_instances(ecsm.DescribeInstancesRequest(
    region_id='cn-hangzhou', instance_ids='["i-1","i-2"]', status='Running', page_size=10,
    tag=[ecsm.DescribeInstancesRequestTag(key='env', value='prod'),
         ecsm.DescribeInstancesRequestTag(key='team', value='ml')],
    filter=[ecsm.DescribeInstancesRequestFilter(key='CreationStartTime', value='2024-01-01T00:00Z')])))
show('DescribeAvailableResource', lambda: ecs.describe_available_resource(ecsm.DescribeAvailableResourceRequest(
    region_id='cn-hangzhou', destination_resource='InstanceType', zone_id='cn-hangzhou-h',
    instance_charge_type='PostPaid', resource_type='instance', cores=8, memory=32.5)))
show('DescribePrice', lambda: ecs.describe_price(ecsm.DescribePriceRequest(
    region_id='cn-hangzhou', resource_type='instance', instance_type='ecs.gn7i-c8g1.2xlarge',
    zone_id='cn-hangzhou-h', period=1, price_unit='Month', amount=2,
    system_disk=ecsm.DescribePriceRequestSystemDisk(category='cloud_essd', size=40, performance_level='PL0'),
    data_disk=[ecsm.DescribePriceRequestDataDisk(category='cloud_essd', size=100)])))
show('RunInstances', lambda: ecs.run_instances(ecsm.RunInstancesRequest(
    region_id='cn-hangzhou', zone_id='cn-hangzhou-h', image_id='ubuntu_22_04_x64_20G_alibase_20240101.vhd',
    instance_type='ecs.g7.large', security_group_id='sg-1', v_switch_id='vsw-1', amount=1,
    instance_charge_type='PostPaid', internet_max_bandwidth_out=0, client_token='token-123',
    system_disk=ecsm.RunInstancesRequestSystemDisk(category='cloud_essd', size='40'),
    data_disk=[ecsm.RunInstancesRequestDataDisk(category='cloud_essd', size=100, delete_with_instance=True),
               ecsm.RunInstancesRequestDataDisk(category='cloud_auto', size=200)],
    tag=[ecsm.RunInstancesRequestTag(key='owner', value='provision')])))
show('RunCommand', lambda: ecs.run_command(ecsm.RunCommandRequest(
    region_id='cn-hangzhou', type='RunShellScript', command_content='echo hello world',
    instance_id=['i-1', 'i-2'], timeout=600, content_encoding='PlainText',
    parameters={'name': 'value'}, enable_parameter=True)))

# ---------------- PAI-DLC
import alibabacloud_pai_dlc20201203.client as dlcc
import alibabacloud_pai_dlc20201203.models as dlcm
dlc = dlcc.Client(cfg())
show('CreateJob', lambda: dlc.create_job(dlcm.CreateJobRequest(
    workspace_id='12345', display_name='resnet50-imagenet', job_type='PyTorchJob',
    user_command='python train.py --epochs 1',
    job_specs=[dlcm.JobSpec(type='Worker', image='registry.example.invalid/pytorch:2.1', pod_count=2,
                            ecs_spec='ecs.gn6i-c4g1.xlarge')],
    data_sources=[dlcm.CreateJobRequestDataSources(data_source_id='d-1', mount_path='/mnt/data')],
    envs={'EPOCHS': '1'}, priority=1)))
show('GetJob', lambda: dlc.get_job('dlc-1', dlcm.GetJobRequest(need_detail=True)))
show('GetPodLogs', lambda: dlc.get_pod_logs('dlc-1', 'dlc-1-worker-0', dlcm.GetPodLogsRequest(max_lines=100, download_to_file=False)))
show('ListEcsSpecs', lambda: dlc.list_ecs_specs(dlcm.ListEcsSpecsRequest(accelerator_type='GPU', page_number=1, page_size=50, resource_type='ECS')))

# ---------------- EAS (older SDK generation)
import alibabacloud_eas20210701.client as easc
import alibabacloud_eas20210701.models as easm
eas = easc.Client(cfg(new=False))
service_json = '{"metadata":{"name":"demo_llm","instance":1},"containers":[{"image":"registry.example.invalid/vllm:0.5","port":8000}]}'
show('CreateService', lambda: eas.create_service(easm.CreateServiceRequest(body=service_json, workspace_id='12345', labels={'team': 'ml'})))
show('DescribeService', lambda: eas.describe_service('cn-hangzhou', 'demo_llm'))

# ---------------- AI Workspace
import alibabacloud_aiworkspace20210204.client as aic
import alibabacloud_aiworkspace20210204.models as aim
ai = aic.Client(cfg())
show('ListImages', lambda: ai.list_images(aim.ListImagesRequest(labels='system.chipType=GPU,system.official=true', page_size=20, verbose=False, workspace_id='12345')))

# ---------------- SysOM
import alibabacloud_sysom20231230.client as sc
import alibabacloud_sysom20231230.models as sm
sysom = sc.Client(cfg())
show('InvokeDiagnosis', lambda: sysom.invoke_diagnosis(sm.InvokeDiagnosisRequest(
    service_name='ocd', channel='ecs', params='{"type":"ocd","instance":"eas-1"}')))
show('GetDiagnosisResult', lambda: sysom.get_diagnosis_result(sm.GetDiagnosisResultRequest(task_id='task-1')))

# ---------------- FC
import alibabacloud_fc20230330.client as fcc
import alibabacloud_fc20230330.models as fcm
fc = fcc.Client(cfg())
show('CreateFunction', lambda: fc.create_function(fcm.CreateFunctionRequest(body=fcm.CreateFunctionInput(
    function_name='train-step', runtime='python3.10', handler='index.handler', memory_size=512, timeout=60,
    cpu=0.5, disk_size=512, code=fcm.InputCodeLocation(zip_file='UEsDBA=='),
    environment_variables={'STAGE': 'test'}))))
show('InvokeFunction', lambda: fc.invoke_function_with_options('train-step', fcm.InvokeFunctionRequest(
    body=__import__('io').BytesIO(b'{"x":1}'), qualifier='LATEST'),
    fcm.InvokeFunctionHeaders(x_fc_invocation_type='Sync', x_fc_log_type='Tail'),
    __import__('darabonba.runtime', fromlist=['RuntimeOptions']).RuntimeOptions()))

# ---------------- CS
import alibabacloud_cs20151215.client as csc
import alibabacloud_cs20151215.models as csm
cs = csc.Client(cfg())
show('CreateCluster', lambda: cs.create_cluster(csm.CreateClusterRequest(
    name='train-cluster', cluster_type='ManagedKubernetes', cluster_spec='ack.pro.small', region_id='cn-hangzhou',
    kubernetes_version='1.30.1-aliyun.1', vpcid='vpc-1', vswitch_ids=['vsw-1', 'vsw-2'],
    service_cidr='172.16.0.0/16', snat_entry=True, endpoint_public_access=False,
    tags=[csm.Tag(key='owner', value='provision')],
    addons=[csm.Addon(name='terway-eniip'), csm.Addon(name='csi-plugin', config='{"a":1}')])))
show('DescribeClusterUserKubeconfig', lambda: cs.describe_cluster_user_kubeconfig('c-1', csm.DescribeClusterUserKubeconfigRequest(
    private_ip_address=True, temporary_duration_minutes=60)))
