"""Federation semantics with inline subgraphs: @provides/@external, `resolvable: false` keys,
@shareable, unions across an entity jump, and introspection of the composed schema.

"catalog" plays a products subgraph (Product entity, a union); "progress" plays a reviews
subgraph that references products, provides their name, and knows users only by key.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
import strawberry
from gateway_harness import Harness, Switchable
from strawberry.federation.schema_directives import FieldSet, Key
from subgraphs import sdl, subgraph_app

from gateway.app import create_app
from gateway.composition import compose

PRODUCTS = {"p1": ("Kettle", 30), "p2": ("Toaster", 45)}


@strawberry.interface
class Priced:
    price: int


@strawberry.federation.type(keys=["id"])
class Product(Priced):
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        name, price = PRODUCTS[str(id)]
        return Product(id=id, name=name, price=price)


@strawberry.type
class Bundle(Priced):
    title: str
    size: int


Item = Annotated[Product | Bundle, strawberry.union("Item")]


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Product(id=strawberry.ID("p1"), name="Kettle", price=30),
            Bundle(title="Duo", size=2, price=50),
        ]

    @strawberry.field
    def priced(self) -> list[Priced]:
        return [
            Bundle(title="Duo", size=2, price=50),
            Product(id=strawberry.ID("p2"), name="Toaster", price=45),
        ]


@strawberry.federation.type(keys=["id"], name="Product")
class ReviewedProduct:
    id: strawberry.ID
    name: str = strawberry.federation.field(external=True)

    @strawberry.field
    def review_count(self) -> int:
        return 7

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewedProduct:
        return ReviewedProduct(id=id, name="")


@strawberry.federation.type(name="User", directives=[Key(fields=FieldSet("id"), resolvable=False)])
class User:
    id: strawberry.ID


@strawberry.type
class Review:
    body: str
    author: User
    product: ReviewedProduct = strawberry.federation.field(provides=["name"])


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def reviews(self) -> list[Review]:
        # the reviews store keeps a copy of the product name: it @provides it
        return [
            Review(
                body="Boils fast",
                author=User(id=strawberry.ID("u1")),
                product=ReviewedProduct(id=strawberry.ID("p1"), name="Kettle (cached)"),
            )
        ]


products_schema = strawberry.federation.Schema(
    query=ProductsQuery, types=[Product], federation_version="2.9"
)
reviews_schema = strawberry.federation.Schema(
    query=ReviewsQuery, types=[ReviewedProduct], federation_version="2.9"
)


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[tuple[Harness, httpx.AsyncClient]]:
    h = Harness(tmp_path)
    key = h.settings.internal_key()
    h.mounts["http://127.0.0.1:4001"] = Switchable(
        subgraph_app(products_schema, key, h.calls["catalog"])
    )
    h.mounts["http://127.0.0.1:4002"] = Switchable(
        subgraph_app(reviews_schema, key, h.calls["progress"])
    )
    supergraph = compose({"catalog": sdl(products_schema), "progress": sdl(reviews_schema)})
    upstream = httpx.AsyncClient(mounts=h.mounts)
    app = create_app(h.settings, supergraph=supergraph, http=upstream, local_sources={})
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield h, client
    await upstream.aclose()


async def ask(h: Harness, client: httpx.AsyncClient, query: str) -> dict[str, object]:
    resp = await client.post(
        "/graphql", json={"query": query}, headers={"authorization": f"Bearer {h.token()}"}
    )
    return resp.json()  # type: ignore[no-any-return]


async def test_provided_field_comes_with_the_parent_without_an_entity_call(
    gateway: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = gateway
    body = await ask(h, client, "{ reviews { body product { id name } } }")
    assert body == {
        "data": {
            "reviews": [{"body": "Boils fast", "product": {"id": "p1", "name": "Kettle (cached)"}}]
        }
    }
    assert h.calls["catalog"] == []  # @provides: no jump to products for `name`


async def test_field_not_provided_jumps_to_its_owner(
    gateway: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = gateway
    body = await ask(h, client, "{ reviews { product { name price } } }")
    assert body == {"data": {"reviews": [{"product": {"name": "Kettle (cached)", "price": 30}}]}}
    assert len(h.calls["catalog"]) == 1 and "_entities" in h.calls["catalog"][0]
    asked = h.calls["catalog"][0].split("on Product", 1)[1]
    assert re.search(r"\bprice\b", asked) and not re.search(
        r"\bname\b", asked
    )  # only what was missing


async def test_unresolvable_key_is_never_sent_to_entities(
    gateway: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = gateway
    body = await ask(h, client, "{ reviews { author { id } } }")
    assert body == {"data": {"reviews": [{"author": {"id": "u1"}}]}}
    assert len(h.calls["progress"]) == 1 and h.calls["catalog"] == []


async def test_union_members_jump_to_other_subgraphs(
    gateway: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = gateway
    query = (
        "{ items { __typename ... on Product { name reviewCount } ... on Bundle { title size } } }"
    )
    body = await ask(h, client, query)
    assert body == {
        "data": {
            "items": [
                {"__typename": "Product", "name": "Kettle", "reviewCount": 7},
                {"__typename": "Bundle", "title": "Duo", "size": 2},
            ]
        }
    }
    assert len(h.calls["progress"]) == 1  # one _entities call for reviewCount


async def test_interface_fields_and_type_conditions_across_a_jump(
    gateway: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = gateway
    query = (
        "{ priced { __typename price ... on Product { name reviewCount } ... on Bundle { size } } }"
    )
    body = await ask(h, client, query)
    assert body == {
        "data": {
            "priced": [
                {"__typename": "Bundle", "price": 50, "size": 2},
                {"__typename": "Product", "price": 45, "name": "Toaster", "reviewCount": 7},
            ]
        }
    }
    assert len(h.calls["progress"]) == 1  # reviewCount for the one Product, in one _entities call


def test_external_field_is_owned_by_its_defining_subgraph() -> None:
    supergraph = compose({"catalog": sdl(products_schema), "progress": sdl(reviews_schema)})
    assert supergraph.owners[("Product", "name")] == ["catalog"]
    assert supergraph.provides[("Review", "product")] == {"progress": "name"}
    assert ("User", "progress") in supergraph.unresolvable


async def test_introspection_shows_the_composed_union_and_entities(
    gateway: tuple[Harness, httpx.AsyncClient],
) -> None:
    h, client = gateway
    query = (
        '{ item: __type(name: "Item") { possibleTypes { name } } '
        'p: __type(name: "Product") { fields { name } } }'
    )
    data = (await ask(h, client, query))["data"]
    assert {t["name"] for t in data["item"]["possibleTypes"]} == {"Product", "Bundle"}  # type: ignore[index]
    assert {f["name"] for f in data["p"]["fields"]} == {"id", "name", "price", "reviewCount"}  # type: ignore[index]
