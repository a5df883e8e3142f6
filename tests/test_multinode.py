"""The production topology on one machine (``scripts/cluster.py``): two gunicorn web nodes, two Celery workers and
beat under ``portal.settings.production``, on this session's test database, with a Redis of their own, the S3 store
of the suite, a real SMTP listener and an HTTP SMS gateway.

A citizen files a birth registration with three scans through node A's API; officials of the receiving agency take
it from intake to the returned result through node B's API. While the acceptance SMS is in flight (the gateway has
taken it, the sender has not heard back) the pool process sending it is killed with SIGKILL. In the end every scan
is in the bucket once with its bytes, every status change is on the timeline once, and every email and SMS reached
the citizen once.
"""

import hashlib
import importlib.util
import os
import signal
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests
from knox.models import AuthToken

from dossiers.models import Dossier, DossierNotice
from notifications.constants import Channel, Event, MessageStatus
from notifications.models import Message
from notifications.services import install_default_templates
from portal.accounts.models import User

from .filing import BIRTH, HAC_THANH, api_declaration, image_bytes, pdf_bytes
from .notifications_support import database_url_for_subprocesses, make_citizen, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("STORAGE_S3_ENDPOINT_URL"),
        reason="needs the S3 store: set STORAGE_S3_ENDPOINT_URL (scripts/test.sh does)",
    ),
]


def _cluster_module():
    name = "dichvucong_cluster"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent / "scripts" / "cluster.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def cluster(load_demo, tmp_path):
    install_default_templates()  # a transactional test's flush removes what the data migration seeded
    module = _cluster_module()
    with module.Cluster(
        database_url=database_url_for_subprocesses(),
        work_dir=tmp_path / "cluster",
        s3=module.S3.from_environment(),
        redis_url=None,  # a broker of its own: no task left over by another test can reach these workers
    ) as running:
        yield running


class Api:
    """One caller of one node's API, behind a proxy that ended TLS (``X-Forwarded-Proto: https``)."""

    def __init__(self, node: str, user: User):
        self.node = node
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Token {AuthToken.objects.create(user=user)[1]}", "X-Forwarded-Proto": "https"}
        )

    def call(self, method: str, path: str, *, expect: int = 200, **kwargs) -> requests.Response:
        response = self.session.request(method, self.node + path, timeout=30, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text[:2000])
        return response

    def act(self, code: str, action: str, version: int, **fields) -> dict:
        body = {"expected_version": version, **fields}
        return self.call("post", f"/api/v1/dossiers/{code}/actions/{action}/", json=body).json()


def scans() -> list[tuple[str, bytes]]:
    """Three scans with distinct bytes: a PDF, a PNG and a JPEG."""
    marker = uuid.uuid4().hex.encode()
    pdf = pdf_bytes(note=f"scan {marker.decode()}")
    return [("giay-chung-sinh.pdf", pdf), ("cccd.png", image_bytes("PNG", (61, 43))), ("anh.jpg", image_bytes("JPEG"))]


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def sent(dossier: Dossier, count: int) -> list[Message]:
    """The dossier's outbox once ``count`` rows are there and every one of them is sent."""

    def done():
        rows = list(Message.objects.filter(dossier=dossier).order_by("pk"))
        failed = [m for m in rows if m.status == MessageStatus.FAILED]
        assert not failed, [(m.kind, m.channel, m.error) for m in failed]
        return rows if len(rows) == count and all(m.status == MessageStatus.SENT for m in rows) else None

    return wait_for(done, timeout=30, message=f"{count} messages of {dossier.code} to be sent")


def test_a_dossier_filed_on_node_a_and_processed_on_node_b_arrives_exactly_once(cluster):
    node_a, node_b = cluster.node_urls
    citizen = make_citizen(full_name="Nguyễn Văn An")
    official = {u.username: u for u in User.objects.filter(username__in=["tiepnhan", "chuyenvien", "lanhdao"])}
    as_citizen = Api(node_a, citizen)
    desk, specialist, leader = (Api(node_b, official[name]) for name in ("tiepnhan", "chuyenvien", "lanhdao"))

    # --- Node A: the citizen files online.
    draft = as_citizen.call(
        "post", "/api/v1/drafts/", json={"procedure": BIRTH, "agency": HAC_THANH}, expect=201
    ).json()
    base = f"/api/v1/drafts/{draft['id']}/"
    # No copy asked for: nothing to pay (a result is held until paid, and the cluster has no cashier).
    as_citizen.call("put", base + "declaration/", json={"answers": api_declaration(copies=0)})
    uploaded = {}  # document id → the bytes sent
    for slot, (name, content) in zip(draft["required_documents"], scans(), strict=False):
        document = as_citizen.call(
            "post",
            base + "documents/",
            data={"required_document": slot["id"]},
            files={"file": (name, content)},
            expect=201,
        ).json()
        assert document["sha256"] == sha256(content)
        uploaded[document["id"]] = content
    assert len(uploaded) == 3  # the two required documents and an optional one
    as_citizen.call("put", base + "delivery/", json={"method": "office"})
    submitted = as_citizen.call("post", base + "submit/", json={"confirm": True}, expect=201)
    assert submitted.headers["Strict-Transport-Security"].startswith("max-age=")  # the production settings
    code, version = submitted.json()["code"], submitted.json()["version"]
    dossier = Dossier.objects.get(code=code)
    sent(dossier, 2)  # email and SMS of the submission

    # --- Node B: the desk accepts. The gateway takes the acceptance SMS and holds its answer; the pool process
    # sending it is killed. acks_late + reject_on_worker_lost put the task back on the queue; the redelivered task
    # sends again with the same Idempotency-Key, and the gateway hands the SMS to the carrier only once.
    cluster.sms.hold_next()
    version = desk.act(code, "accept", version)["version"]
    assert cluster.sms.holding.wait(20), "the acceptance SMS never reached the gateway"
    worker, pool_process = wait_for(
        lambda: cluster.worker_talking_to(cluster.sms.port), timeout=10, message="the pool process sending the SMS"
    )
    os.kill(pool_process, signal.SIGKILL)
    cluster.sms.release()
    wait_for(lambda: "WorkerLostError" in worker.output(), timeout=10, message=f"{worker.name} to notice the kill")

    # The rest of the processing, on node B.
    version = desk.act(code, "assign", version, handler="chuyenvien")["version"]
    version = specialist.act(code, "submit_for_approval", version, leader="lanhdao", note="Đủ điều kiện")["version"]
    # The leader's approval is sent twice at once, to both nodes (a retried request reaching the other node):
    # the row lock and the version let one through and answer the other 409.
    answers = []
    twin = Api(node_a, official["lanhdao"])
    calls = [
        threading.Thread(target=lambda api=api: answers.append(_approve(api, code, version))) for api in (leader, twin)
    ]
    for call in calls:
        call.start()
    for call in calls:
        call.join()
    assert sorted(status for status, _body in answers) == [200, 409], answers
    version = next(body for status, body in answers if status == 200)["version"]
    final = desk.act(code, "return_result", version, note="Trả tại bộ phận một cửa")
    assert final["status"] == 10

    # --- Every status change once, in order, whichever node reads the timeline.
    expected_timeline = [
        ("submit", 0, 1),
        ("accept", 1, 2),
        ("assign", 2, 4),
        ("submit_for_approval", 4, 4),
        ("approve", 4, 9),
        ("return_result", 9, 10),
    ]
    for reader in (Api(node_a, official["tiepnhan"]), Api(node_b, citizen)):
        events = reader.call("get", f"/api/v1/dossiers/{code}/").json()["events"]
        assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == expected_timeline
    assert dossier.events.count() == len(expected_timeline)

    # --- Every message once: the outbox rows all sent, each mail and SMS received once.
    messages = sent(dossier, 8)
    kinds = [Event.SUBMITTED, Event.ACCEPTED, Event.RESULT_READY, Event.RESULT_RETURNED]
    assert Counter((m.kind, m.channel) for m in messages) == Counter(
        (kind, channel) for kind in kinds for channel in (Channel.EMAIL, Channel.SMS)
    )
    killed = next(m for m in messages if (m.kind, m.channel) == (Event.ACCEPTED, Channel.SMS))
    assert killed.attempts == 2
    assert all(m.attempts == 1 for m in messages if m != killed)
    emails = [m for m in messages if m.channel == Channel.EMAIL]
    assert Counter(mail["Message-ID"] for mail in cluster.smtp.messages) == Counter(m.provider_id for m in emails)
    assert all(mail["To"] == citizen.email for mail in cluster.smtp.messages)
    texts = [m for m in messages if m.channel == Channel.SMS]
    assert sorted(cluster.sms.delivered) == sorted(m.reference for m in texts)
    assert [sms["to"] for sms in cluster.sms.delivered.values()] == [citizen.phone] * 4
    assert {m.reference: m.provider_id for m in texts} == {
        key: sms["message_id"] for key, sms in cluster.sms.delivered.items()
    }
    keys = Counter(r["headers"]["idempotency-key"] for r in cluster.sms.requests)
    assert keys == Counter({m.reference: 2 if m == killed else 1 for m in texts})  # one resend, deduped

    # --- Every file once: the scans with their bytes, the receipt and the notices, nothing else.
    notices = wait_for(
        lambda: (
            list(DossierNotice.objects.filter(dossier=dossier).exclude(file=""))
            if Dossier.objects.get(pk=dossier.pk).receipt
            and not DossierNotice.objects.filter(dossier=dossier, file="").exists()
            else None
        ),
        timeout=20,
        message="the receipt and the notices to be rendered",
    )
    dossier.refresh_from_db()
    documents = {d.pk: d for d in dossier.documents.all()}
    assert set(documents) == set(uploaded)
    s3 = cluster.s3.client()
    listing = s3.list_objects_v2(Bucket=cluster.s3.bucket, Prefix=f"dossiers/{dossier.public_id}/")
    stored = Counter(item["Key"] for item in listing.get("Contents", []))
    expected = [d.file.name for d in documents.values()] + [dossier.receipt.name] + [n.file.name for n in notices]
    assert stored == Counter(expected)
    assert len(notices) == 2  # form 01 on acceptance, the result notice on approval
    for pk, document in documents.items():
        content = s3.get_object(Bucket=cluster.s3.bucket, Key=document.file.name)["Body"].read()
        assert content == uploaded[pk]
        assert document.sha256 == sha256(content)
    for name in [dossier.receipt.name, *(n.file.name for n in notices)]:
        assert s3.get_object(Bucket=cluster.s3.bucket, Key=name)["Body"].read().startswith(b"%PDF")

    # --- Both nodes served: the filing on A, the processing on B (their own access logs).
    node_a_log, node_b_log = (node.output() for node in cluster.nodes)
    assert f'"POST {base}submit/ HTTP/1.1" 201' in node_a_log
    for action in ("accept", "assign", "submit_for_approval", "return_result"):
        assert f'"POST /api/v1/dossiers/{code}/actions/{action}/ HTTP/1.1" 200' in node_b_log
    approvals = [f'"POST /api/v1/dossiers/{code}/actions/approve/ HTTP/1.1" {status}' for status in (200, 409)]
    assert [(node_a_log + node_b_log).count(line) for line in approvals] == [1, 1]
    assert "/submit/ HTTP" not in node_b_log
    cluster.check()  # no process of the cluster died along the way (the killed pool process was replaced)


def _approve(api: Api, code: str, version: int) -> tuple[int, dict]:
    response = api.session.post(
        f"{api.node}/api/v1/dossiers/{code}/actions/approve/",
        json={"expected_version": version, "note": "Đồng ý"},
        timeout=30,
    )
    return response.status_code, response.json()
