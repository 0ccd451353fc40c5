"""xAPI 2.0 statement rules: validation of the MUST requirements on actor, verb, object,
result, context and timestamp, and statement comparison for idempotent writes. No framework.

`check_statement` raises `XapiInvalid` naming the offending field (`statements[3].verb.id`).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
VERSIONS = ("2.0.0", "1.0.3")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([A-Z])")
_DATE_UNITS = {"Y": 31_536_000, "M": 2_592_000, "W": 604_800, "D": 86_400}
_TIME_UNITS = {"H": 3600, "M": 60, "S": 1}
_DURATION = re.compile(
    r"^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?"
    r"(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$"
)
_STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
    "objectType",
}
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
# Properties the store sets or that may differ between equal statements (xAPI "Statement
# Comparison Requirements").
_NOT_COMPARED = ("stored", "authority", "version", "id")


class XapiInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _fail(field: str, message: str) -> XapiInvalid:
    return XapiInvalid(field, message)


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(field, "must be a JSON object")
    return value


def _iri(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _IRI.match(value):
        raise _fail(field, "must be an absolute IRI")
    return value


def _uuid(value: Any, field: str) -> str:
    try:
        if isinstance(value, str):
            return str(uuid.UUID(value))
    except ValueError:
        pass
    raise _fail(field, "must be a UUID")


def _language_map(value: Any, field: str) -> None:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _fail(field, "must be a language map of strings")


def parse_timestamp(value: Any, field: str) -> datetime:
    """An ISO 8601 timestamp; one without an offset is read as UTC, as the spec suggests."""
    if not isinstance(value, str):
        raise _fail(field, "must be an ISO 8601 timestamp")
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(field, "must be an ISO 8601 timestamp") from None
    if value.endswith("-00:00"):
        raise _fail(field, "must not use the offset -00:00")
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def duration_seconds(value: Any, field: str) -> float:
    if not isinstance(value, str) or not _DURATION.match(value):
        raise _fail(field, "must be an ISO 8601 duration such as PT3M20S")
    date_part, _, time_part = value[1:].partition("T")
    total = 0.0
    for part, table in ((date_part, _DATE_UNITS), (time_part, _TIME_UNITS)):
        for number, unit in _DURATION_PART.findall(part):
            total += float(number) * table[unit]
    return total


def check_agent(value: Any, field: str, *, group_ok: bool = True) -> None:
    agent = _object(value, field)
    kind = agent.get("objectType", "Agent")
    if kind not in ("Agent", "Group") or (kind == "Group" and not group_ok):
        raise _fail(f"{field}.objectType", "must be 'Agent'" + (" or 'Group'" if group_ok else ""))
    ifis = [k for k in _IFIS if k in agent]
    if len(ifis) > 1:
        raise _fail(field, f"must have exactly one identifier, has {ifis}")
    if kind == "Agent" and not ifis:
        raise _fail(field, "an Agent needs one of mbox, mbox_sha1sum, openid, account")
    if "mbox" in agent and not str(agent["mbox"]).startswith("mailto:"):
        raise _fail(f"{field}.mbox", "must be a mailto: IRI")
    if "openid" in agent:
        _iri(agent["openid"], f"{field}.openid")
    if "account" in agent:
        account = _object(agent["account"], f"{field}.account")
        _iri(account.get("homePage"), f"{field}.account.homePage")
        if not isinstance(account.get("name"), str) or not account["name"]:
            raise _fail(f"{field}.account.name", "must be a non-empty string")
    if kind == "Group":
        members = agent.get("member", [] if ifis else None)
        if not isinstance(members, list) or (not ifis and not members):
            raise _fail(f"{field}.member", "an anonymous Group needs a list of members")
        for i, member in enumerate(members):
            check_agent(member, f"{field}.member[{i}]", group_ok=False)


def _check_verb(value: Any, field: str) -> None:
    verb = _object(value, field)
    _iri(verb.get("id"), f"{field}.id")
    if "display" in verb:
        _language_map(verb["display"], f"{field}.display")


def _check_activity(activity: dict[str, Any], field: str) -> None:
    _iri(activity.get("id"), f"{field}.id")
    definition = activity.get("definition")
    if definition is not None:
        _object(definition, f"{field}.definition")
        for key in ("name", "description"):
            if key in definition:
                _language_map(definition[key], f"{field}.definition.{key}")


def _check_object(value: Any, field: str, *, sub: bool) -> str:
    target = _object(value, field)
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        _check_activity(target, field)
    elif kind in ("Agent", "Group"):
        check_agent(target, field)
    elif kind == "StatementRef":
        _uuid(target.get("id"), f"{field}.id")
    elif kind == "SubStatement" and not sub:
        for key in ("id", "stored", "version", "authority"):
            if key in target:
                raise _fail(f"{field}.{key}", "is not allowed in a SubStatement")
        check_agent(target.get("actor"), f"{field}.actor")
        _check_verb(target.get("verb"), f"{field}.verb")
        _check_object(target.get("object"), f"{field}.object", sub=True)
    else:
        raise _fail(f"{field}.objectType", f"{kind!r} is not allowed here")
    return str(kind)


def _check_result(value: Any, field: str) -> None:
    result = _object(value, field)
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            raise _fail(f"{field}.{key}", "must be true or false")
    if "response" in result and not isinstance(result["response"], str):
        raise _fail(f"{field}.response", "must be a string")
    if "duration" in result:
        duration_seconds(result["duration"], f"{field}.duration")
    if "score" in result:
        score = _object(result["score"], f"{field}.score")
        for key in ("scaled", "raw", "min", "max"):
            if key in score and not _number(score[key]):
                raise _fail(f"{field}.score.{key}", "must be a number")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            raise _fail(f"{field}.score.scaled", "must be between -1 and 1")
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and not low < high:
            raise _fail(f"{field}.score.max", "must be greater than min")
        raw = score.get("raw")
        if raw is not None and (
            (low is not None and raw < low) or (high is not None and raw > high)
        ):
            raise _fail(f"{field}.score.raw", "must be between min and max")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_context(value: Any, field: str, object_kind: str) -> None:
    context = _object(value, field)
    if "registration" in context:
        _uuid(context["registration"], f"{field}.registration")
    if "instructor" in context:
        check_agent(context["instructor"], f"{field}.instructor")
    if "team" in context:
        check_agent(context["team"], f"{field}.team")
        if _object(context["team"], f"{field}.team").get("objectType") != "Group":
            raise _fail(f"{field}.team.objectType", "must be 'Group'")
    for key in ("revision", "platform"):
        if key in context and object_kind != "Activity":
            raise _fail(f"{field}.{key}", "is only allowed when the object is an Activity")
    if "statement" in context:
        ref = _object(context["statement"], f"{field}.statement")
        _uuid(ref.get("id"), f"{field}.statement.id")
    activities = context.get("contextActivities", {})
    for kind, listed in _object(activities, f"{field}.contextActivities").items():
        if kind not in ("parent", "grouping", "category", "other"):
            raise _fail(f"{field}.contextActivities.{kind}", "is not a context activity type")
        items = listed if isinstance(listed, list) else [listed]
        for i, activity in enumerate(items):
            where = f"{field}.contextActivities.{kind}[{i}]"
            _check_activity(_object(activity, where), where)


def check_statement(value: Any, field: str) -> dict[str, Any]:
    """A copy of a valid statement with its id normalised; raises `XapiInvalid` otherwise."""
    statement = dict(_object(value, field))
    _no_nulls(statement, field)
    unknown = sorted(set(statement) - _STATEMENT_KEYS)
    if unknown:
        raise _fail(f"{field}.{unknown[0]}", "is not a statement property")
    if "id" in statement:
        statement["id"] = _uuid(statement["id"], f"{field}.id")
    if "version" in statement and not str(statement["version"]).startswith(("1.0", "2.0")):
        raise _fail(f"{field}.version", "must be 1.0.x or 2.0.x")
    for key in ("actor", "verb", "object"):
        if key not in statement:
            raise _fail(f"{field}.{key}", "is required")
    check_agent(statement["actor"], f"{field}.actor")
    _check_verb(statement["verb"], f"{field}.verb")
    kind = _check_object(statement["object"], f"{field}.object", sub=False)
    if statement["verb"]["id"] == VOIDED and kind != "StatementRef":
        raise _fail(f"{field}.object.objectType", "a voiding statement's object is a StatementRef")
    if "result" in statement:
        _check_result(statement["result"], f"{field}.result")
    if "context" in statement:
        _check_context(statement["context"], f"{field}.context", kind)
    if "timestamp" in statement:
        parse_timestamp(statement["timestamp"], f"{field}.timestamp")
    return statement


def _no_nulls(value: Any, field: str) -> None:
    """The spec forbids null values anywhere but inside extensions."""
    if _has_null(value):  # only then build the field paths, to name the first null
        _name_null(value, field)


def _has_null(value: Any) -> bool:
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "extensions" and (item is None or _has_null(item)):
                return True
    elif isinstance(value, list):
        for item in value:
            if item is None or _has_null(item):
                return True
    return value is None


def _name_null(value: Any, field: str) -> None:
    if value is None:
        raise _fail(field, "must not be null")
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "extensions":
                _name_null(item, f"{field}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _name_null(item, f"{field}[{i}]")


def comparable(statement: dict[str, Any]) -> dict[str, Any]:
    """The part two statements with the same id must share to count as the same statement."""
    same = {k: v for k, v in statement.items() if k not in _NOT_COMPARED}
    if "timestamp" in same:
        same["timestamp"] = parse_timestamp(same["timestamp"], "timestamp").isoformat()
    return same


def voided_target(statement: dict[str, Any]) -> str | None:
    """The id a voiding statement voids, or None for any other statement."""
    if statement["verb"]["id"] != VOIDED:
        return None
    return str(statement["object"]["id"])
