"""A relying party written with Python Authlib, as a Python developer would write one.

Driven by test/node/oidc-rp-clients.test.ts over stdin/stdout, one JSON object per line:
  argv: issuer client_id client_secret redirect_uri scope
  -> {"authorization_url": ...}        the URL the user agent should open (nonce + PKCE S256)
  <- the callback URL the user agent was sent back to (one line)
  -> {"claims": {...}, "userinfo": {...}, "scope": ...}   after the code exchange and the ID
     token's validation against the JWKS (signature, iss, aud, exp, iat, nonce, at_hash)
  or {"error": "...", "detail": "..."} on any failure (exit status 1).
"""

import json
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    issuer, client_id, client_secret, redirect_uri, scope = sys.argv[1:6]
    metadata = requests.get(issuer + "/.well-known/openid-configuration", timeout=30).json()
    if metadata["issuer"] != issuer:
        raise ValueError("discovery names another issuer: " + metadata["issuer"])

    session = OAuth2Session(
        client_id,
        client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = generate_token(48)
    nonce = generate_token(24)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    emit({"authorization_url": url})

    callback = sys.stdin.readline().strip()
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=callback,
        state=state,
        code_verifier=verifier,
    )

    jwks = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=30).json())
    claims = jwt.decode(
        token["id_token"],
        jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "values": [metadata["issuer"]]}},
        claims_params={
            "nonce": nonce,
            "client_id": client_id,
            "access_token": token["access_token"],
        },
    )
    # iss, sub, aud (= client_id), exp, iat, nonce, at_hash (OIDC Core 3.1.3.7).
    claims.validate()

    info = session.get(metadata["userinfo_endpoint"], timeout=30).json()
    if info.get("sub") != claims["sub"]:
        raise ValueError("userinfo sub differs from the ID token's")
    emit({"claims": dict(claims), "userinfo": info, "scope": token.get("scope")})


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # the test reads the reason
        emit({"error": type(error).__name__, "detail": str(error)})
        sys.exit(1)
