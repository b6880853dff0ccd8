"""Table indexes reach a deployed stack one update at a time (scripts/indexes.py),
against a fake CloudFormation and DynamoDB that refuse what AWS refuses."""
from __future__ import annotations

import copy
import io
import json

import pytest
from botocore.exceptions import ClientError

from infra.stage import load_stage
from infra.template import resources_template
from scripts.deploy import deploy_resources
from scripts.indexes import IndexRolloutError, Waits, plan_index_steps, roll_out

STACK = "herald-dev-resources"
TABLE = "herald-dev-message-log"
TAGS = {"Application": "herald", "Environment": "dev"}
BACKFILL_S = 300.0  # a new index builds for 5 minutes after its stack update completes
STACK_UPDATE_S = 60.0


def _error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Fake")


class FakeAws:
    """CloudFormation and DynamoDB, as far as indexes go. Like AWS: a stack update
    creates or deletes at most one index per table and none while another of the
    table's builds (CREATING, backfilling, for BACKFILL_S); AttributeDefinitions must
    be exactly the key attributes; a table created with the stack has all its indexes."""

    def __init__(self) -> None:
        self.now = 0.0
        self.template: dict | None = None
        self.status_until = (None, 0.0)  # (status once done, done at)
        # table name -> {"attributes": [...], "indexes": {name: (definition, active at)}}
        self.tables: dict[str, dict] = {}
        self.updates: list[list[str]] = []  # each update's index changes, e.g. ["+by_attention"]
        self.uploaded: dict[str, str] = {}

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def waits(self, timeout_s: float = 3600.0, out: io.StringIO | None = None) -> Waits:
        return Waits(timeout_s=timeout_s, poll_s=30.0, sleep=self.sleep, now=lambda: self.now,
                     out=out or io.StringIO())

    # CloudFormation
    def _status(self) -> str:
        final, done_at = self.status_until
        return final if self.now >= done_at else final.replace("COMPLETE", "IN_PROGRESS")

    def describe_stacks(self, StackName: str) -> dict:
        if self.template is None:
            raise _error("ValidationError", f"Stack with id {StackName} does not exist")
        return {"Stacks": [{"StackName": StackName, "StackStatus": self._status(),
                            "Parameters": [], "Outputs": []}]}

    def get_template(self, StackName: str, TemplateStage: str) -> dict:
        return {"TemplateBody": json.dumps(self.template)}

    def _body(self, kwargs: dict) -> dict:
        return json.loads(kwargs.get("TemplateBody") or self.uploaded[kwargs["TemplateURL"]])

    def create_stack(self, **kwargs) -> None:
        self.template = self._body(kwargs)
        for properties in self._table_properties(self.template):
            self._check_attributes(properties)
            self.tables[properties["TableName"]] = {
                "attributes": properties["AttributeDefinitions"],
                "indexes": {i["IndexName"]: (i, self.now)
                            for i in properties.get("GlobalSecondaryIndexes", [])}}
        self.status_until = ("CREATE_COMPLETE", self.now + STACK_UPDATE_S)

    def update_stack(self, **kwargs) -> None:
        assert not self._status().endswith("IN_PROGRESS"), "update while one is in progress"
        if len(kwargs.get("TemplateBody", "").encode()) > 51_200:
            raise _error("ValidationError", "Templates over 51,200 bytes need a TemplateURL")
        template = self._body(kwargs)
        if template == self.template:
            raise _error("ValidationError", "No updates are to be performed.")
        changes = []
        for properties in self._table_properties(template):
            self._check_attributes(properties)
            table = self.tables[properties["TableName"]]
            wanted = {i["IndexName"]: i for i in properties.get("GlobalSecondaryIndexes", [])}
            added = [name for name in wanted if name not in table["indexes"]]
            dropped = [name for name in table["indexes"] if name not in wanted]
            if len(added) + len(dropped) > 1:
                raise _error("ValidationError", "Cannot perform more than one GSI creation or "
                                                "deletion in a single update")
            if (added or dropped) and any(self.now < active_at for _, active_at
                                          in table["indexes"].values()):
                raise _error("LimitExceededException", "Only 1 online index can be created "
                                                       "or deleted simultaneously per table")
            for name in dropped:
                del table["indexes"][name]
            for name in added:
                table["indexes"][name] = (wanted[name], self.now + STACK_UPDATE_S + BACKFILL_S)
            table["attributes"] = properties["AttributeDefinitions"]
            changes += [f"+{name}" for name in added] + [f"-{name}" for name in dropped]
        self.template = template
        self.updates.append(changes)
        self.status_until = ("UPDATE_COMPLETE", self.now + STACK_UPDATE_S)

    def get_waiter(self, name: str):
        fake = self

        class Waiter:
            def wait(self, StackName: str) -> None:
                while fake._status().endswith("IN_PROGRESS"):
                    fake.sleep(30)
        return Waiter()

    @staticmethod
    def _table_properties(template: dict) -> list[dict]:
        return [r["Properties"] for r in template["Resources"].values()
                if r["Type"] == "AWS::DynamoDB::Table"]

    @staticmethod
    def _check_attributes(properties: dict) -> None:
        keys = [properties["KeySchema"], *[i["KeySchema"] for i in
                                           properties.get("GlobalSecondaryIndexes", [])]]
        used = {key["AttributeName"] for schema in keys for key in schema}
        defined = [d["AttributeName"] for d in properties["AttributeDefinitions"]]
        if sorted(defined) != sorted(used):
            raise _error("ValidationError", "Property AttributeDefinitions is inconsistent "
                                            "with the KeySchema of the table and the indexes")

    # DynamoDB
    def describe_table(self, TableName: str) -> dict:
        if TableName not in self.tables:
            raise _error("ResourceNotFoundException", f"Table not found: {TableName}")
        table = self.tables[TableName]
        building = [(i, self.now < active_at) for i, active_at in table["indexes"].values()]
        return {"Table": {"TableName": TableName, "AttributeDefinitions": table["attributes"],
                          "GlobalSecondaryIndexes": [
                              {**i, "IndexStatus": "CREATING" if creating else "ACTIVE",
                               **({"Backfilling": True} if creating else {})}
                              for i, creating in building]}}

    def live_indexes(self, table: str = TABLE) -> list[str]:
        return sorted(self.tables[table]["indexes"])


def _template() -> dict:
    return resources_template(load_stage("dev"))


def _with_log_indexes(template: dict, keep: list[str], extra: list[str] = ()) -> dict:
    """`template` with the message log's indexes cut to `keep`, plus KEYS_ONLY ones on `extra`."""
    old = copy.deepcopy(template)
    properties = old["Resources"]["MessageLogTable"]["Properties"]
    indexes = [i for i in properties["GlobalSecondaryIndexes"] if i["IndexName"] in keep]
    indexes += [{"IndexName": f"by_{name}", "Projection": {"ProjectionType": "KEYS_ONLY"},
                 "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}]} for name in extra]
    used = {"message_id", *extra,
            *[k["AttributeName"] for i in indexes for k in i["KeySchema"]]}
    properties["GlobalSecondaryIndexes"] = indexes
    properties["AttributeDefinitions"] = [{"AttributeName": name, "AttributeType": "S"}
                                          for name in sorted(used)]
    return old


OLD = ["by_ses_message_id"]  # what a stage deployed before "find any mail" has
NEW = ["by_accept_day", "by_attention", "by_recipient_key", "by_ses_message_id"]


def _deployed_before(fake: FakeAws, template: dict) -> None:
    deploy_resources(fake, fake, STACK, template, TAGS, fake.waits())
    fake.updates.clear()


def test_a_fresh_stage_is_created_with_all_its_indexes_in_one_step():
    fake = FakeAws()
    deploy_resources(fake, fake, STACK, _template(), TAGS, fake.waits())
    assert fake.updates == [] and fake.live_indexes() == NEW


def test_an_old_stage_gets_one_index_per_update_in_the_tables_order():
    fake, out = FakeAws(), io.StringIO()
    _deployed_before(fake, _with_log_indexes(_template(), OLD))
    deploy_resources(fake, fake, STACK, _template(), TAGS, fake.waits(out=out))
    assert fake.updates == [["+by_recipient_key"], ["+by_accept_day"], ["+by_attention"]]
    assert fake.live_indexes() == NEW
    assert fake.template == _template()  # the last step was the template itself
    progress = out.getvalue()
    assert f"[indexes 1/3] {STACK}: {TABLE} +by_recipient_key" in progress
    assert f"{TABLE}.by_attention CREATING (backfilling)" in progress


def test_a_run_stopped_midway_continues_from_the_live_table():
    fake = FakeAws()
    _deployed_before(fake, _with_log_indexes(_template(), OLD))
    crashing = fake.waits()

    def crash(seconds: float) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the first index builds
    crashing.sleep = crash
    with pytest.raises(KeyboardInterrupt):
        deploy_resources(fake, fake, STACK, _template(), TAGS, crashing)
    assert fake.updates == [["+by_recipient_key"]]
    # run again while the stack update and by_recipient_key's backfill still run
    deploy_resources(fake, fake, STACK, _template(), TAGS, fake.waits())
    assert fake.updates == [["+by_recipient_key"], ["+by_accept_day"], ["+by_attention"]]
    assert fake.live_indexes() == NEW


def test_dropped_indexes_go_one_per_update_too():
    fake = FakeAws()
    _deployed_before(fake, _with_log_indexes(_template(), NEW, extra=["legacy_a", "legacy_b"]))
    deploy_resources(fake, fake, STACK, _template(), TAGS, fake.waits())
    assert fake.updates == [["-by_legacy_a"], ["-by_legacy_b"]]
    assert fake.live_indexes() == NEW and fake.template == _template()


def test_a_stage_with_the_dense_status_index_swaps_it_for_the_sparse_one():
    fake = FakeAws()
    _deployed_before(fake, _with_log_indexes(_template(), [n for n in NEW if n != "by_attention"],
                                             extra=["status"]))
    deploy_resources(fake, fake, STACK, _template(), TAGS, fake.waits())
    assert fake.updates == [["-by_status"], ["+by_attention"]]
    assert fake.live_indexes() == NEW


def test_a_table_whose_indexes_match_adds_no_step():
    fake = FakeAws()
    _deployed_before(fake, _template())
    template = _template()
    template["Resources"]["SendQueue"]["Properties"]["DelaySeconds"] = 1
    deploy_resources(fake, fake, STACK, template, TAGS, fake.waits())
    assert fake.updates == [[]]  # the one ordinary update, no index step


def test_one_missing_index_is_the_ordinary_update():
    fake = FakeAws()
    _deployed_before(fake, _with_log_indexes(_template(), [n for n in NEW if n != "by_attention"]))
    deploy_resources(fake, fake, STACK, _template(), TAGS, fake.waits())
    assert fake.updates == [["+by_attention"]] and fake.live_indexes() == NEW


def test_an_index_slower_than_the_timeout_says_to_run_again_which_continues():
    fake = FakeAws()
    _deployed_before(fake, _with_log_indexes(_template(), OLD))
    with pytest.raises(IndexRolloutError, match="by_recipient_key CREATING.*Run the same "
                                                "command again"):
        deploy_resources(fake, fake, STACK, _template(), TAGS, fake.waits(timeout_s=120))
    deploy_resources(fake, fake, STACK, _template(), TAGS, fake.waits())
    assert fake.live_indexes() == NEW and len(fake.updates) == 3


def _sam_stack(fake: FakeAws) -> dict:
    """A package-path stack from before the new indexes: functions, and a template
    over the 51,200 bytes CloudFormation takes in a request."""
    deployed = _with_log_indexes(_template(), OLD)
    deployed["Resources"]["APIHandler"] = {"Type": "AWS::Serverless::Function",
                                           "Properties": {"CodeUri": "s3://artifacts/old.zip"}}
    deployed["Resources"]["Padding"] = {"Type": "AWS::SNS::Topic",
                                        "Metadata": {"Note": "x" * 10_000}}
    _deployed_before(fake, deployed)
    return deployed


def test_package_path_steps_change_only_the_indexes_of_the_deployed_template():
    fake = FakeAws()
    deployed = _sam_stack(fake)
    wanted = _template()
    wanted["Resources"]["SendQueue"]["Properties"]["DelaySeconds"] = 1

    def upload(body: str) -> str:
        url = f"https://artifacts.s3.us-east-1.amazonaws.com/{len(fake.uploaded)}.json"
        fake.uploaded[url] = body
        return url
    assert roll_out(fake, fake, STACK, wanted, from_deployed=True, upload=upload,
                    clock=fake.waits()) == 3
    assert fake.updates == [["+by_recipient_key"], ["+by_accept_day"], ["+by_attention"]]
    assert fake.live_indexes() == NEW and len(fake.uploaded) == 3
    resources = fake.template["Resources"]
    assert resources["APIHandler"] == deployed["Resources"]["APIHandler"]
    assert "DelaySeconds" not in resources["SendQueue"]["Properties"]  # left to the deploy


def test_package_path_without_a_bucket_for_its_large_template_says_what_to_pass():
    fake = FakeAws()
    _sam_stack(fake)
    with pytest.raises(IndexRolloutError, match="over CloudFormation's 51200.*--s3-bucket"):
        roll_out(fake, fake, STACK, _template(), from_deployed=True, clock=fake.waits())
    assert fake.updates == []


def _index(name: str, sort: str | None = None) -> dict:
    return {"IndexName": f"by_{name}", "Projection": {"ProjectionType": "KEYS_ONLY"},
            "KeySchema": [{"AttributeName": name, "KeyType": "HASH"},
                          *([{"AttributeName": sort, "KeyType": "RANGE"}] if sort else [])]}


def _names(steps: list[list[dict]]) -> list[list[str]]:
    return [[index["IndexName"] for index in step] for step in steps]


def test_plan_adds_in_order_and_drops_first_and_a_changed_index_is_dropped_then_added():
    a, b, c = _index("a"), _index("b"), _index("c")
    assert _names(plan_index_steps([a], [a, b, c])) == [["by_a", "by_b"],
                                                       ["by_a", "by_b", "by_c"]]
    assert plan_index_steps([a, b], [a, b]) == []
    assert plan_index_steps([], [a]) == [[a]]
    assert _names(plan_index_steps([a, b, c], [c])) == [["by_c", "by_b"], ["by_c"]]
    resorted = _index("a", "created_at")
    assert _names(plan_index_steps([a, b], [resorted, b])) == [["by_b"], ["by_a", "by_b"]]
    # DescribeTable's extra fields do not make a live index differ
    assert plan_index_steps([{**a, "IndexStatus": "ACTIVE", "ItemCount": 3}], [a]) == []
