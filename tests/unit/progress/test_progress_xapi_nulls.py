"""xAPI nulls: refused anywhere but inside extensions, and the 400 names the first one."""

from __future__ import annotations

from typing import Any

import pytest
from progress_helpers import make_statement

from services.progress.xapi import XapiInvalid, check_statement


def refused_at(statement: dict[str, Any]) -> str:
    with pytest.raises(XapiInvalid) as caught:
        check_statement(statement, "statements[3]")
    assert "null" in caught.value.message
    return caught.value.field


def test_a_null_is_named_by_its_path() -> None:
    parents = [{"id": "https://lms.example/c-1"}, None]
    context = {"contextActivities": {"parent": parents}}
    assert refused_at(make_statement(context=context)) == (
        "statements[3].context.contextActivities.parent[1]"
    )
    assert refused_at(make_statement(result={"score": {"scaled": None}})) == (
        "statements[3].result.score.scaled"
    )
    assert refused_at(make_statement(verb=None)) == "statements[3].verb"
    # The first null in document order is the one named.
    first = make_statement(result={"response": None}, context={"registration": None})
    assert refused_at(first) == "statements[3].context.registration"


def test_nulls_inside_extensions_are_allowed() -> None:
    extensions = {"https://x.example/e": None, "https://x.example/f": [None, {"g": None}]}
    statement = make_statement(result={"extensions": extensions, "success": True})
    assert check_statement(statement, "statements[0]")["result"]["extensions"] == extensions
