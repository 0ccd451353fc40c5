"""xAPI statement rules without HTTP: what is refused (and where), durations, comparison."""

from __future__ import annotations

from typing import Any

import pytest
from progress_helpers import make_statement

from services.progress.normalise import from_statement
from services.progress.xapi import XapiInvalid, check_statement, comparable, duration_seconds


def refused_at(statement: dict[str, Any]) -> str:
    with pytest.raises(XapiInvalid) as caught:
        check_statement(statement, "statements[0]")
    return caught.value.field


def test_groups_revision_and_voiding_rules_name_the_field() -> None:
    anonymous_group = {"objectType": "Group", "member": []}
    agent_object = {"objectType": "Agent", "mbox": "mailto:a@example.com"}
    two_ids = {"mbox": "mailto:a@example.com", "openid": "https://id.example/a"}

    assert refused_at(make_statement(actor=anonymous_group)) == "statements[0].actor.member"
    assert refused_at(make_statement(actor=two_ids)) == "statements[0].actor"
    assert (
        refused_at(make_statement(object=agent_object, context={"revision": "2"}))
        == "statements[0].context.revision"
    )
    voiding_an_activity = make_statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"})
    assert refused_at(voiding_an_activity) == "statements[0].object.objectType"
    assert refused_at(make_statement(colour="blue")) == "statements[0].colour"
    assert refused_at(make_statement(timestamp="2026-12-01T10:00:00-00:00")) == (
        "statements[0].timestamp"
    )


def test_durations_read_as_seconds() -> None:
    assert duration_seconds("PT4M30S", "d") == 270
    assert duration_seconds("PT1H0.5S", "d") == 3600.5
    assert duration_seconds("P1DT1S", "d") == 86401
    with pytest.raises(XapiInvalid):
        duration_seconds("PT", "d")


def test_comparison_ignores_what_the_store_sets_and_timestamp_spelling() -> None:
    statement = make_statement(timestamp="2026-12-01T11:00:00+01:00")
    stored = statement | {"stored": "2026-12-02T00:00:00Z", "version": "2.0.0",
                          "authority": {"mbox": "mailto:lrs@example.com"},
                          "timestamp": "2026-12-01T10:00:00Z"}  # fmt: skip

    assert comparable(stored) == comparable(statement)
    assert comparable(statement | {"result": {"success": False}}) != comparable(statement)


def test_a_statement_becomes_one_canonical_event() -> None:
    statement = make_statement(
        result={"duration": "PT4M30S", "score": {"scaled": 0.9}, "success": True,
                "response": "b"},
    )  # fmt: skip
    statement["context"]["extensions"] = {"https://learnpulse.dev/xapi/extensions/attempt": 2}

    event = from_statement(check_statement(statement, "s"), stored=None)  # type: ignore[arg-type]

    assert event is not None
    assert (event.learner_id, event.verb, event.course_id, event.unit_id) == (
        "lrn-2", "completed", "c-privacy", "u-privacy-1",
    )  # fmt: skip
    assert (event.duration_s, event.score, event.success, event.attempt, event.response) == (
        270, 0.9, True, 2, "b",
    )  # fmt: skip
    assert event.ts.isoformat() == "2026-12-01T10:00:00+00:00"
