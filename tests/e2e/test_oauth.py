"""OAuth2 client credentials at POST /oauth/token: a registered app gets a short-lived token for its
tenant and scopes, and every failure is an RFC 6749 JSON error, never a 500."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from runxin.tenants import clients
from tests.factories.tree import make_tree

TOKEN_URL = "http://runxin.test/oauth/token"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _claims(token: str) -> dict:  # type: ignore[type-arg]
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _header(token: str) -> dict:  # type: ignore[type-arg]
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


async def _token(api, client_id: str, secret: str, **form: str):  # type: ignore[no-untyped-def]
    return await api.client.post("/oauth/token", data={"grant_type": "client_credentials", **form}, auth=(client_id, secret))


def _assert_error(response, status: int, error: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    assert body.get("error_description")
    assert response.headers["cache-control"] == "no-store"


@pytest.fixture
async def tree(system_session):  # type: ignore[no-untyped-def]
    return await make_tree(system_session, counties=2, schools_per_county=1)


@pytest.fixture
async def county_app(system_session, tree):  # type: ignore[no-untyped-def]
    county = tree.counties[0]
    return await clients.create_client(system_session, tenant_code=county.code, name="County MIS", scopes="tenants:read centres:read")


async def test_registered_client_gets_a_token_and_sees_only_its_subtree(api, tree, county_app) -> None:  # type: ignore[no-untyped-def]
    # Given an app registered for the first county
    county = tree.counties[0]
    # When it asks for a token with client_secret_basic
    response = await _token(api, county_app.client.client_id, county_app.secret)
    # Then it gets an RFC 9068 JWT for its tenant and registered scopes, valid at most 900 s
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] <= 900
    assert body["scope"] == "centres:read tenants:read"
    claims = _claims(body["access_token"])
    assert _header(body["access_token"])["typ"] == "at+jwt"
    assert claims["exp"] - claims["iat"] <= 900
    assert claims["sub"] == claims["client_id"] == county_app.client.client_id
    assert claims["tenant"] == str(county.id)
    assert {"iss", "aud", "jti"} <= claims.keys()
    # And with it, the API shows the county's subtree and no sibling
    query = "{ viewer { subject scopes tenant { code } } tenants(first: 10) { nodes { code } } }"
    data = await api.gql(query, token=body["access_token"])
    viewer = data["data"]["viewer"]
    assert viewer == {"subject": county_app.client.client_id, "scopes": ["centres:read", "tenants:read"], "tenant": {"code": county.code}}
    codes = {n["code"] for n in data["data"]["tenants"]["nodes"]}  # the tenants under the county
    assert codes == {s.code for s in tree.schools[county.code]}
    assert tree.counties[1].code not in codes
    assert not {s.code for s in tree.schools[tree.counties[1].code]} & codes


async def test_a_tenant_in_the_request_is_ignored(api, tree, county_app) -> None:  # type: ignore[no-untyped-def]
    # Given a request that names another tenant
    response = await _token(api, county_app.client.client_id, county_app.secret, tenant=str(tree.city.id), tenant_id=str(tree.city.id))
    # Then the token is still for the registered tenant
    assert _claims(response.json()["access_token"])["tenant"] == str(tree.counties[0].id)


async def test_client_secret_post_works(api, county_app) -> None:  # type: ignore[no-untyped-def]
    form = {"grant_type": "client_credentials", "client_id": county_app.client.client_id, "client_secret": county_app.secret}
    response = await api.client.post("/oauth/token", data=form)
    assert response.status_code == 200, response.text


async def test_scope_narrowing_and_invalid_scope(api, county_app) -> None:  # type: ignore[no-untyped-def]
    # When the app asks for one of its scopes, it gets that one only
    narrow = await _token(api, county_app.client.client_id, county_app.secret, scope="centres:read")
    assert narrow.json()["scope"] == "centres:read"
    assert _claims(narrow.json()["access_token"])["scope"] == "centres:read"
    # When it asks for a scope it is not registered for, it gets invalid_scope and no token
    for scope in ("centres:read staff:write", "staff.personal:read", "made:up"):
        _assert_error(await _token(api, county_app.client.client_id, county_app.secret, scope=scope), 400, "invalid_scope")


async def test_bad_credentials_are_invalid_client(api, system_session, county_app) -> None:  # type: ignore[no-untyped-def]
    client_id = county_app.client.client_id
    # Wrong secret, unknown client: 401 invalid_client
    _assert_error(await _token(api, client_id, "rxs_wrong"), 401, "invalid_client")
    _assert_error(await _token(api, "rx_nobody", county_app.secret), 401, "invalid_client")
    post = {"grant_type": "client_credentials", "client_id": "rx_nobody", "client_secret": "x"}
    _assert_error(await api.client.post("/oauth/token", data=post), 401, "invalid_client")
    # No credentials at all
    _assert_error(await api.client.post("/oauth/token", data={"grant_type": "client_credentials"}), 401, "invalid_client")
    # A garbled Basic header
    garbled = await api.client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic %%%"})
    _assert_error(garbled, 401, "invalid_client")
    # Disabled client: refused even with the right secret
    await clients.disable_client(system_session, client_id)
    response = await _token(api, client_id, county_app.secret)
    _assert_error(response, 401, "invalid_client")
    assert "disabled" in response.json()["error_description"]


async def test_rotated_secret_old_refused_new_works(api, system_session, county_app) -> None:  # type: ignore[no-untyped-def]
    client_id = county_app.client.client_id
    new_secret = await clients.rotate_secret(system_session, client_id)
    assert new_secret != county_app.secret
    _assert_error(await _token(api, client_id, county_app.secret), 401, "invalid_client")
    assert (await _token(api, client_id, new_secret)).status_code == 200


async def test_secret_is_stored_hashed(system_session, county_app) -> None:  # type: ignore[no-untyped-def]
    stored = await clients.find_client(system_session, county_app.client.client_id)
    assert stored is not None and county_app.secret not in stored.secret_hash
    assert stored.secret_hash.startswith("scrypt$")


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        ({}, {}, 400, "invalid_request"),  # no grant_type
        ({"grant_type": "password", "username": "a", "password": "b"}, {}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code": "x"}, {}, 400, "unsupported_grant_type"),
        (None, {"Content-Type": "application/json"}, 400, "invalid_request"),  # form missing
        (None, {}, 400, "invalid_request"),  # no body at all
        ("grant_type=client_credentials&grant_type=client_credentials", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "invalid_request"),
        (b"grant_type=\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}, 400, "invalid_request"),
    ],
)
async def test_malformed_requests_are_400_json(api, county_app, form, headers, status, error) -> None:  # type: ignore[no-untyped-def]
    auth = (county_app.client.client_id, county_app.secret)
    if isinstance(form, dict):
        response = await api.client.post("/oauth/token", data=form, auth=auth, headers=headers)
    else:
        response = await api.client.post("/oauth/token", content=form if form is not None else b"{}", auth=auth, headers=headers)
    _assert_error(response, status, error)


async def test_token_endpoint_takes_post_only(api) -> None:  # type: ignore[no-untyped-def]
    assert (await api.client.get("/oauth/token")).status_code == 405


# private_key_jwt (RFC 7523 §2.2)


@pytest.fixture
def app_key() -> ECKey:
    return ECKey.generate_key("P-256", auto_kid=True)


@pytest.fixture
async def key_app(system_session, tree, app_key):  # type: ignore[no-untyped-def]
    jwks = json.dumps({"keys": [app_key.as_dict(private=False)]})
    return await clients.create_client(
        system_session, tenant_code=tree.all_schools()[0].code, name="School HR", scopes="staff:read", auth_method="private_key_jwt", jwks=jwks
    )


def _assertion(key: ECKey, client_id: str, *, aud: str = TOKEN_URL, exp_in: int = 60, jti: str | None = None, iss: str | None = None) -> str:
    now = int(time.time())
    claims = {"iss": iss or client_id, "sub": client_id, "aud": aud, "iat": now, "exp": now + exp_in, "jti": jti or uuid.uuid4().hex}
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


async def _key_token(api, assertion: str, client_id: str | None = None):  # type: ignore[no-untyped-def]
    form = {"grant_type": "client_credentials", "client_assertion_type": JWT_BEARER, "client_assertion": assertion}
    if client_id:
        form["client_id"] = client_id
    return await api.client.post("/oauth/token", data=form)


async def test_private_key_jwt_success(api, tree, key_app, app_key) -> None:  # type: ignore[no-untyped-def]
    client_id = key_app.client.client_id
    assert key_app.secret is None
    response = await _key_token(api, _assertion(app_key, client_id), client_id)
    assert response.status_code == 200, response.text
    assert _claims(response.json()["access_token"])["tenant"] == str(tree.all_schools()[0].id)
    # The issuer is an accepted audience too, and client_id may be left out of the form
    assert (await _key_token(api, _assertion(app_key, client_id, aud="runxin-local"))).status_code == 200


async def test_private_key_jwt_failures(api, key_app, app_key) -> None:  # type: ignore[no-untyped-def]
    client_id = key_app.client.client_id
    stranger = ECKey.generate_key("P-256", auto_kid=True)
    cases = {
        "wrong key": _assertion(stranger, client_id),
        "wrong key, our kid": jwt.encode({"alg": "ES256", "kid": app_key.kid}, _claims(_assertion(app_key, client_id)), stranger),
        "wrong aud": _assertion(app_key, client_id, aud="https://elsewhere.example/token"),
        "expired": _assertion(app_key, client_id, exp_in=-120),
        "lives too long": _assertion(app_key, client_id, exp_in=3600),
        "iss is not the client": _assertion(app_key, client_id, iss="rx_someone_else"),
        "not a JWT": "not.a.jwt",
    }
    for name, assertion in cases.items():
        response = await _key_token(api, assertion, client_id)
        assert response.status_code == 401, (name, response.text)
        assert response.json()["error"] == "invalid_client", name
    # A replayed assertion (same jti) is refused the second time
    once = _assertion(app_key, client_id, jti="only-once")
    assert (await _key_token(api, once, client_id)).status_code == 200
    replay = await _key_token(api, once, client_id)
    _assert_error(replay, 401, "invalid_client")
    assert "already used" in replay.json()["error_description"]
    # A wrong assertion type
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_assertion_type": "urn:x", "client_assertion": _assertion(app_key, client_id)}
    _assert_error(await api.client.post("/oauth/token", data=form), 401, "invalid_client")


async def test_key_client_cannot_use_a_secret_and_secret_client_cannot_sign(api, key_app, county_app, app_key) -> None:  # type: ignore[no-untyped-def]
    _assert_error(await _token(api, key_app.client.client_id, "anything"), 401, "invalid_client")
    secret_client = county_app.client.client_id
    _assert_error(await _key_token(api, _assertion(app_key, secret_client), secret_client), 401, "invalid_client")


async def test_jwks_serves_public_keys_that_verify_issued_tokens(api, county_app) -> None:  # type: ignore[no-untyped-def]
    jwks = (await api.client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"] and all("d" not in k for k in jwks["keys"])
    token = (await _token(api, county_app.client.client_id, county_app.secret)).json()["access_token"]
    from joserfc.jwk import KeySet

    assert jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["ES256"]).claims["client_id"] == county_app.client.client_id


async def test_client_registration_refuses_bad_input(system_session, tree) -> None:  # type: ignore[no-untyped-def]
    from runxin.platform.errors import Invalid, NotFound

    code = tree.city.code
    with pytest.raises(Invalid, match="Unknown scope"):
        await clients.create_client(system_session, tenant_code=code, name="x", scopes="staff:admin")
    with pytest.raises(Invalid, match="at least one scope"):
        await clients.create_client(system_session, tenant_code=code, name="x", scopes="")
    with pytest.raises(NotFound):
        await clients.create_client(system_session, tenant_code="999999", name="x", scopes="tenants:read")
    with pytest.raises(Invalid, match="public keys"):
        await clients.create_client(system_session, tenant_code=code, name="x", scopes="tenants:read", auth_method="private_key_jwt")
    private = json.dumps({"keys": [ECKey.generate_key("P-256").as_dict(private=True)]})
    with pytest.raises(Invalid, match="private key"):
        await clients.create_client(system_session, tenant_code=code, name="x", scopes="tenants:read", auth_method="private_key_jwt", jwks=private)
