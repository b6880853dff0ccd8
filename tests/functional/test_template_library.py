"""The template library: deleted templates listed with their history and restored,
duplicates with their own history, and the list's fields the admin UI filters on."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import OTP, body, post, put_template, send

from chalicelib import wiring
from chalicelib.errors import Conflict


def _save(client, name="otp", **changes):
    response = put_template(client, name, {**OTP, **changes})
    assert response.status_code == 200, response.body
    return body(response)["version_id"]


def _listed(client, query=""):
    return body(client.http.get(f"/templates{query}"))["templates"]


def test_deleted_templates_are_listed_with_their_last_version_and_history(client):
    first = _save(client, tags={"team": "growth"})
    last = _save(client, subject="Second {{ product }}", tags={"team": "growth"})
    _save(client, "kept")
    assert client.http.delete("/templates/otp").status_code == 204

    assert [t["name"] for t in _listed(client)] == ["kept"]
    assert [t["name"] for t in _listed(client, "?status=live")] == ["kept"]
    [deleted] = _listed(client, "?status=deleted")
    assert deleted["name"] == "otp" and deleted["status"] == "deleted"
    assert deleted["version_id"] == last and deleted["tags"] == {"team": "growth"}
    assert deleted["category"] == "auth" and deleted["deleted_at"] >= deleted["updated_at"]
    versions = body(client.http.get("/templates/otp/versions"))["versions"]
    assert [v["version_id"] for v in versions] == [last, first]


def test_an_unknown_status_is_400_naming_it(client):
    response = client.http.get("/templates?status=gone")
    assert response.status_code == 400 and body(response)["error"]["field"] == "status"


def test_restore_makes_the_last_version_live_again_and_keeps_the_history(client):
    first = _save(client)
    last = _save(client, subject="Second {{ product }}")
    client.http.delete("/templates/otp")
    assert send(client).status_code == 404

    restored = post(client, "/templates/otp/restore", {})
    assert restored.status_code == 200
    answer = body(restored)
    assert answer["name"] == "otp" and answer["restored_from"] == last
    template = body(client.http.get("/templates/otp"))
    assert template["subject"] == "Second {{ product }}"
    assert template["version_id"] == answer["version_id"]
    versions = body(client.http.get("/templates/otp/versions"))["versions"]
    assert [v["version_id"] for v in versions] == [answer["version_id"], last, first]
    assert _listed(client, "?status=deleted") == []
    assert send(client).status_code == 202


def test_restore_is_404_for_a_name_never_saved_and_409_when_live(client):
    missing = post(client, "/templates/ghost/restore", {})
    assert missing.status_code == 404 and body(missing)["error"]["field"] == "name"
    _save(client)
    live = post(client, "/templates/otp/restore", {})
    assert live.status_code == 409
    assert body(live)["error"]["code"] == "not_deleted"
    assert len(body(client.http.get("/templates/otp/versions"))["versions"]) == 1


def test_two_restores_at_once_make_one_version(client):
    _save(client)
    client.http.delete("/templates/otp")
    manager = wiring.services().templates

    def restore(_):
        try:
            return manager.restore("otp", author="local")["version_id"]
        except Conflict as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(restore, range(2)))
    versions = body(client.http.get("/templates/otp/versions"))["versions"]
    assert len(versions) == 2  # the original and one restore
    restored = [o for o in outcomes if o not in ("not_deleted", "template_exists")]
    assert restored == [versions[0]["version_id"]]  # the other one was refused


def test_a_restore_that_lost_the_race_to_a_save_changes_nothing(client, aws):
    """The check and the write are apart; the write is conditional on the name being
    deleted, so a save landing in between wins and the restore answers 409."""
    _save(client)
    client.http.delete("/templates/otp")
    store = wiring.services().store
    doc, _ = store.get("otp", body(client.http.get("/templates/otp/versions"))[
        "versions"][0]["version_id"])
    saved = _save(client, subject="Saved meanwhile {{ product }}")
    with pytest.raises(Conflict) as refused:
        store.put(doc, author="local", if_absent=True)
    assert refused.value.field == "name"
    assert body(client.http.get("/templates/otp"))["version_id"] == saved


def test_duplicate_copies_the_latest_version_into_its_own_history(client):
    _save(client)
    source = _save(client, subject="Latest {{ product }}", tags={"team": "growth"})
    response = post(client, "/templates/otp/duplicate", {"name": "otp-copy"})
    assert response.status_code == 201
    copy = body(response)
    assert copy["name"] == "otp-copy"
    assert copy["copied_from"] == {"name": "otp", "version_id": source}
    saved = body(client.http.get("/templates/otp-copy"))
    assert saved["subject"] == "Latest {{ product }}" and saved["tags"] == {"team": "growth"}
    assert [v["version_id"] for v in body(client.http.get(
        "/templates/otp-copy/versions"))["versions"]] == [copy["version_id"]]
    assert send(client, template="otp-copy").status_code == 202
    assert [t["name"] for t in _listed(client)] == ["otp", "otp-copy"]


@pytest.mark.parametrize("taken", ["live", "deleted"])
def test_duplicate_onto_a_used_name_is_409_naming_name(client, taken):
    _save(client)
    other = _save(client, "other")
    if taken == "deleted":
        client.http.delete("/templates/other")
    response = post(client, "/templates/otp/duplicate", {"name": "other"})
    assert response.status_code == 409 and body(response)["error"]["field"] == "name"
    history = body(client.http.get("/templates/other/versions"))["versions"]
    assert [v["version_id"] for v in history] == [other]


@pytest.mark.parametrize("payload", [{}, {"name": "Bad Name"}, {"name": 7}, []])
def test_duplicate_needs_a_valid_new_name(client, payload):
    _save(client)
    response = post(client, "/templates/otp/duplicate", payload)
    assert response.status_code == 400 and body(response)["error"]["field"] == "name"


def test_duplicate_refuses_an_unknown_field_by_name(client):
    _save(client)
    response = post(client, "/templates/otp/duplicate", {"name": "copy", "subject": "x"})
    assert response.status_code == 400 and body(response)["error"]["field"] == "subject"


def test_duplicate_of_an_unknown_template_is_404(client):
    response = post(client, "/templates/ghost/duplicate", {"name": "copy"})
    assert response.status_code == 404
