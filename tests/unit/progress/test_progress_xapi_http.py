"""The xAPI Statement resource as a partner's LRS client uses it: auth, version header,
batches, ids, idempotency, conflicts, voiding, filters and `more` links."""

from __future__ import annotations

import uuid

import httpx
from progress_helpers import COMPLETED, HR, caller, codes, gql, make_statement, xapi_headers

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


async def test_about_names_the_versions_without_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/xapi/about")

    assert response.status_code == 200
    assert "2.0.0" in response.json()["version"]
    assert response.headers["X-Experience-API-Version"] == "2.0.0"


async def test_requests_need_the_version_header_and_valid_credentials(
    client: httpx.AsyncClient,
) -> None:
    headers = await xapi_headers(client)
    no_version = {"Authorization": headers["Authorization"]}
    wrong = headers | {"Authorization": "Basic " + "eDp5"}  # x:y

    missing = await client.get("/xapi/statements", headers=no_version)
    refused = await client.get("/xapi/statements", headers=wrong)

    assert (missing.status_code, missing.json()["field"]) == (400, "X-Experience-API-Version")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Basic")


async def test_only_hr_admins_create_credentials(client: httpx.AsyncClient) -> None:
    body = await gql(client, 'mutation { createXapiCredential(name: "x") { key } }')

    assert codes(body) == ["FORBIDDEN"]


async def test_a_read_only_credential_cannot_write(client: httpx.AsyncClient) -> None:
    headers = await xapi_headers(client, scopes=["statements/read"])

    response = await client.post("/xapi/statements", json=make_statement(), headers=headers)

    assert response.status_code == 403


async def test_a_batch_is_stored_with_ids_stored_and_authority_set_by_the_store(
    client: httpx.AsyncClient,
) -> None:
    headers = await xapi_headers(client)
    without_id = make_statement()
    del without_id["id"]
    claimed = {"objectType": "Agent", "mbox": "mailto:boss@example.com"}
    given = make_statement(authority=claimed)

    response = await client.post("/xapi/statements", json=[without_id, given], headers=headers)
    ids = response.json()
    fetched = await client.get("/xapi/statements", params={"statementId": ids[0]}, headers=headers)

    assert response.status_code == 200
    assert ids[1] == given["id"] and uuid.UUID(ids[0])
    statement = fetched.json()
    assert statement["id"] == ids[0] and statement["stored"].endswith("Z")
    assert statement["authority"]["account"]["homePage"].endswith("/xapi/credentials")
    other = await client.get("/xapi/statements", params={"statementId": ids[1]}, headers=headers)
    assert other.json()["authority"] != claimed


async def test_an_invalid_statement_refuses_the_whole_batch_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    headers = await xapi_headers(client)
    good = make_statement()
    bad = make_statement(verb={"id": "completed"})

    response = await client.post(
        "/xapi/statements",
        json=[good, good | {"id": str(uuid.uuid4())}, good, bad],
        headers=headers,
    )
    lookup = await client.get(
        "/xapi/statements", params={"statementId": good["id"]}, headers=headers
    )

    assert response.status_code == 400
    assert response.json()["field"] in ("statements[2].id", "statements[3].verb.id")
    assert lookup.status_code == 404


async def test_invalid_fields_are_named(client: httpx.AsyncClient) -> None:
    headers = await xapi_headers(client)
    cases = {
        "statements[0].actor": make_statement(actor={"objectType": "Agent", "name": "no ifi"}),
        "statements[0].result.score.scaled": make_statement(result={"score": {"scaled": 2}}),
        "statements[0].result.duration": make_statement(result={"duration": "3 minutes"}),
        "statements[0].context.registration": make_statement(context={"registration": "x"}),
        "statements[0].timestamp": make_statement(timestamp="yesterday"),
        "statements[0].object.id": make_statement(object={"id": "not an iri"}),
        "statements[0].id": make_statement(id="42"),
        "statements[0].result.response": make_statement(result={"response": None}),
    }
    for field, statement in cases.items():
        response = await client.post("/xapi/statements", json=[statement], headers=headers)
        assert (response.status_code, response.json()["field"]) == (400, field)


async def test_same_id_same_content_is_a_no_op_and_different_content_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    headers = await xapi_headers(client)
    statement = make_statement()
    sid = statement["id"]

    first = await client.put(
        "/xapi/statements", params={"statementId": sid}, json=statement, headers=headers
    )
    again = await client.post("/xapi/statements", json=[statement], headers=headers)
    changed = await client.post(
        "/xapi/statements", json=[statement | {"result": {"success": False}}], headers=headers
    )
    found = await client.get(
        "/xapi/statements", params={"activity": statement["object"]["id"]}, headers=headers
    )

    assert (first.status_code, again.status_code, changed.status_code) == (204, 200, 409)
    assert changed.json()["field"] == "statements[0].id"
    assert [s["id"] for s in found.json()["statements"]] == [sid]


async def test_voiding_hides_a_statement_and_takes_it_out_of_progress(
    client: httpx.AsyncClient,
) -> None:
    headers = await xapi_headers(client)
    statement = make_statement(object={"id": "https://lms.example/units/u-new"})
    await client.post("/xapi/statements", json=statement, headers=headers)
    voiding = make_statement(
        verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": statement["id"]}
    )
    del voiding["result"], voiding["context"]

    voided = await client.post("/xapi/statements", json=voiding, headers=headers)
    by_id = await client.get(
        "/xapi/statements", params={"statementId": statement["id"]}, headers=headers
    )
    as_voided = await client.get(
        "/xapi/statements", params={"voidedStatementId": statement["id"]}, headers=headers
    )
    void_the_void = make_statement(
        verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding["id"]}
    )
    refused = await client.post("/xapi/statements", json=void_the_void, headers=headers)
    body = await gql(client, '{ learner(id: "lrn-2") { units { unit { id } } } }', principal=HR)

    assert voided.status_code == 200
    assert (by_id.status_code, as_voided.status_code) == (404, 200)
    assert refused.status_code == 400
    assert "u-new" not in [u["unit"]["id"] for u in body["data"]["learner"]["units"]]


async def test_filters_and_more_links_page_through_matching_statements(
    client: httpx.AsyncClient,
) -> None:
    headers = await xapi_headers(client)
    agent = '{"account": {"homePage": "https://hr.example", "name": "lrn-2"}}'
    batch = [make_statement() for _ in range(5)]
    batch.append(make_statement(verb={"id": "http://adlnet.gov/expapi/verbs/launched"}))
    await client.post("/xapi/statements", json=batch, headers=headers)

    seen, params = [], {"agent": agent, "verb": COMPLETED, "limit": "2", "ascending": "true"}
    page = (await client.get("/xapi/statements", params=params, headers=headers)).json()
    seen += page["statements"]
    while page["more"]:
        page = (await client.get(page["more"], headers=headers)).json()
        seen += page["statements"]
    stranger = '{"mbox": "mailto:nobody@example.com"}'
    none = await client.get("/xapi/statements", params={"agent": stranger}, headers=headers)

    assert sorted(s["id"] for s in seen) == sorted(s["id"] for s in batch[:5])
    assert none.json() == {"statements": [], "more": ""}


async def test_statements_count_toward_the_learners_progress(client: httpx.AsyncClient) -> None:
    headers = await xapi_headers(client)
    query = '{ learner(id: "lrn-2") { units { unit { id } status bestScore } } }'
    before = await gql(client, query, principal=caller("lrn-2"))

    await client.post("/xapi/statements", json=[make_statement()], headers=headers)
    after = await gql(client, query, principal=caller("lrn-2"))

    def ladders(body: dict) -> dict | None:  # type: ignore[type-arg]
        units = body["data"]["learner"]["units"]
        return next((u for u in units if u["unit"]["id"] == "u-privacy-1"), None)

    assert (ladders(before) or {}).get("status") != "completed"
    assert ladders(after) == {
        "unit": {"id": "u-privacy-1"},
        "status": "completed",
        "bestScore": 0.9,
    }


async def test_credentials_are_scoped_to_their_tenant(client: httpx.AsyncClient) -> None:
    demo = await xapi_headers(client)
    acme = await xapi_headers(
        client, principal=caller("acme-hr", tenant="acme", roles=["hr_admin"])
    )
    statement = make_statement()
    await client.post("/xapi/statements", json=statement, headers=demo)

    from_acme = await client.get(
        "/xapi/statements", params={"statementId": statement["id"]}, headers=acme
    )

    assert from_acme.status_code == 404
