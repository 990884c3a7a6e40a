# A scriptworker-like signing payload, shaped like Gecko's
# (upstreamArtifacts with a task-reference to the build being signed).
from typing import Literal, Optional

from taskgraph.transforms.task import payload_builder, taskref_or_string_msgspec
from taskgraph.util.schema import Schema


class SigningUpstreamArtifact(Schema, rename="camel"):
    task_id: taskref_or_string_msgspec
    task_type: str
    paths: list[str]
    formats: list[str]


class SigningPayloadSchema(Schema, forbid_unknown_fields=False, kw_only=True):
    implementation: Literal["scriptworker-signing"]
    os: Optional[str] = None
    max_run_time: int
    signing_type: str
    upstream_artifacts: list[SigningUpstreamArtifact]


@payload_builder("scriptworker-signing", schema=SigningPayloadSchema)
def build_signing_payload(config, task, task_def):
    worker = task["worker"]
    task_def["payload"] = {
        "maxRunTime": worker["max-run-time"],
        "upstreamArtifacts": worker["upstream-artifacts"],
    }
    task_def["scopes"].append(
        "project:tcaction:releng:signing:cert:{}".format(worker["signing-type"])
    )
