"""The official huaweicloudsdksms client, an independent implementation, reads the simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdksms.v3 import ListTasksRequest, SmsClient
from huaweicloudsdksms.v3.region.sms_region import SmsRegion

from pipelines.simulator import DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, SimulatorConfig, SimulatorServer

TASKS = 450


@pytest.fixture
def sdk_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatorConfig(tasks=TASKS, seed=9)) as sim:
        monkeypatch.setenv("HUAWEICLOUD_SDK_REGION_SMS_CN_NORTH_4", sim.base_url)
        yield sim


def client(sk: str = DEMO_SK) -> SmsClient:
    return (
        SmsClient.new_builder()
        .with_credentials(BasicCredentials(DEMO_AK, sk, DEMO_PROJECT_ID))
        .with_region(SmsRegion.value_of("cn-north-4"))
        .build()
    )


def test_sdk_pages_through_every_task(sdk_sim: SimulatorServer) -> None:
    sms = client()
    seen: list[str] = []
    for offset in range(0, TASKS, 200):
        response = sms.list_tasks(ListTasksRequest(limit=200, offset=offset))
        assert response.count == TASKS
        seen += [task.id for task in response.tasks]
    assert seen == sdk_sim.store.ids()


def test_sdk_filters(sdk_sim: SimulatorServer) -> None:
    sms = client()
    tasks = sdk_sim.store.tasks()
    failed = [t["id"] for t in tasks if t["state"] == "MIGRATE_FAIL"]
    response = sms.list_tasks(ListTasksRequest(state="MIGRATE_FAIL", limit=200))
    assert response.count == len(failed) and [t.id for t in response.tasks] == failed
    project = next(t["enterprise_project_id"] for t in tasks if t["enterprise_project_id"] != "0")
    in_project = [t["id"] for t in tasks if t["enterprise_project_id"] == project]
    response = sms.list_tasks(ListTasksRequest(enterprise_project_id=project, limit=200))
    assert response.count == len(in_project) and [t.id for t in response.tasks] == in_project


def test_sdk_deserialises_every_field(sdk_sim: SimulatorServer) -> None:
    store_tasks = sdk_sim.store.tasks()
    response = client().list_tasks(ListTasksRequest(limit=200, offset=0))
    by_id = {task["id"]: task for task in store_tasks}
    sample = [t for t in response.tasks if t.state in ("RUNNING", "MIGRATE_FAIL", "SYNCING")]
    sample += response.tasks[:20]
    for sdk_task in sample:
        expected = by_id[sdk_task.id]
        assert sdk_task.to_dict() == expected
    assert {"RUNNING", "MIGRATE_FAIL"} <= {t.state for t in sample}


def test_sdk_wrong_secret_key_is_401(sdk_sim: SimulatorServer) -> None:
    with pytest.raises(ClientRequestException) as raised:
        client(sk="not-the-secret").list_tasks(ListTasksRequest(limit=1))
    assert raised.value.status_code == 401
    assert raised.value.error_code == "APIGW.0301"


@pytest.mark.parametrize("request_", [ListTasksRequest(offset=65_536), ListTasksRequest(limit=201)])
def test_sdk_out_of_range_is_400(sdk_sim: SimulatorServer, request_: ListTasksRequest) -> None:
    with pytest.raises(ClientRequestException) as raised:
        client().list_tasks(request_)
    assert raised.value.status_code == 400
    assert raised.value.error_code == "SMS.0205"
