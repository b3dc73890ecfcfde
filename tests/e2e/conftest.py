"""The whole Starlette app over HTTP (ASGI transport), on each database backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from runxin.graphql.app import create_app
from runxin.platform.config import Settings
from runxin.platform.tree.models import Tenant
from runxin.tenants.tokens import TokenService, load_or_create_key


@dataclass
class Api:
    client: httpx.AsyncClient
    tokens: TokenService
    app: Any

    def token_for(self, tenant: Tenant, *roles: str) -> str:
        return self.tokens.issue(subject=f"user@{tenant.code}", tenant_id=tenant.id, roles=list(roles or ("ADMIN",)))

    async def gql(self, query: str, variables: dict[str, Any] | None = None, *, as_: Tenant | None = None, token: str | None = None, roles: tuple[str, ...] = ("ADMIN",)) -> dict[str, Any]:
        """POST a document; return the JSON body (asserting HTTP 200)."""
        response = await self.post(query, variables, as_=as_, token=token, roles=roles)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, query: str, variables: dict[str, Any] | None = None, *, as_: Tenant | None = None, token: str | None = None, roles: tuple[str, ...] = ("ADMIN",)) -> httpx.Response:
        headers = {}
        if as_ is not None:
            token = self.token_for(as_, *roles)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings.from_env(env_file=None, data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://runxin.test") as client:
            tokens = TokenService(load_or_create_key(settings.key_path), settings.token_issuer, settings.token_audience, 600)
            yield Api(client=client, tokens=tokens, app=app)
