"""Courses as portable JSON documents: export from one tenant, import into any other.

A document carries the course's stable `externalId` and a hash of its content, so importing
the same file twice finds the first copy instead of making a second.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from learnpulse.auth import Principal
from services.catalog import authoring, documents
from services.catalog.authoring import Edited
from services.catalog.domain import Course, Unit
from services.catalog.errors import InvalidInput
from services.catalog.store import CatalogStore

FORMAT = "learnpulse.course/v1"


def to_document(course: Course, units: list[Unit] | tuple[Unit, ...]) -> dict[str, Any]:
    content = {
        "title": course.title,
        "summary": course.summary,
        "tags": list(course.tags),
        "units": [
            {k: v for k, v in documents.unit_doc(u).items() if k not in ("id", "course_id")}
            for u in units
        ],
    }
    return {
        "format": FORMAT,
        "externalId": course.external_id or course.id,
        "version": course.version,
        "contentHash": content_hash(content),
        "content": content,
    }


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _parse(document: Any) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidInput("document.format", f"the document is not a `{FORMAT}` course")
    external_id, content = document.get("externalId"), document.get("content")
    if not isinstance(external_id, str) or not external_id:
        raise InvalidInput("document.externalId", "the document has no `externalId`")
    if not isinstance(content, dict) or not isinstance(content.get("units"), list):
        raise InvalidInput("document.content.units", "the document has no list of units")
    if not isinstance(content.get("title"), str):
        raise InvalidInput("document.content.title", "the document has no title")
    return external_id, content, content["units"]


def _units(course_id: str, raw: list[dict[str, Any]]) -> list[Unit]:
    units = []
    for i, doc in enumerate(raw):
        try:
            unit = documents.unit(doc | {"id": authoring.new_id("u"), "course_id": course_id})
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"document.content.units[{i}]", f"unit {i} is malformed: {exc!r}"
            ) from exc
        units.append(replace(unit, position=i + 1))
    return units


async def import_course(
    *, store: CatalogStore, principal: Principal, document: Any
) -> tuple[Edited, bool]:
    """The imported course (a draft) and whether it was created; same content is a no-op."""
    authoring.require_writer(principal)
    external_id, content, raw_units = _parse(document)
    tenant = principal.tenant
    existing = await store.course_by_external_id(tenant=tenant, external_id=external_id)
    course = existing or Course(id=authoring.new_id("c"), title="", summary="")
    incoming = replace(
        course,
        title=content["title"],
        summary=str(content.get("summary", "")),
        tags=tuple(str(t) for t in content.get("tags", ())),
        external_id=external_id,
    )
    new_units = _units(course.id, raw_units)  # validated before anything changes
    if existing is not None:
        old_units = (await store.units_of_courses(tenant=tenant, course_ids=[course.id])).get(
            course.id, []
        )
        same = to_document(existing, old_units)["contentHash"]
        if same == to_document(incoming, new_units)["contentHash"]:
            return Edited(existing), False
        draft = await authoring.open_draft(store, principal, course.id)
        incoming = replace(incoming, status=draft.status, version=draft.version)
        for unit in old_units:
            await store.delete_unit(tenant=tenant, unit_id=unit.id)
    await store.save_course(tenant=tenant, course=incoming)
    await store.save_units(tenant=tenant, units=new_units)
    return Edited(incoming), existing is None
