"""connect(): a Session on the built-in simulator, a running `diag sim`, or a real region only when one is named.

Credentials alone never select a real org; a real region's Session confirms every write (diag.client.gate).
"""
from __future__ import annotations

import json
import os
import re
import threading
from typing import Any
from urllib.parse import urlsplit

from diag.client.auth import ClientCredentialsGrant, Credentials, StaticToken, TokenSource
from diag.client.session import Session, locate_region
from diag.core.errors import ConfigError
from diag.core.regions import REGIONS, Region, find_region, is_loopback, shown_address
from diag.transport import HTTPTransport, Request, TransportFailure

__all__ = ["connect", "locate_region", "shared_simulator", "allowed_numbers_from_env"]


def _env_list(name: str, environ=None) -> list[str]:
    raw = (environ if environ is not None else os.environ).get(name, "")
    return [n.strip() for n in raw.split(",") if n.strip()]


def allowed_numbers_from_env(environ=None) -> list[str]:
    return _env_list("DIAG_ALLOWED_NUMBERS", environ)


_shared_sim = None
_shared_lock = threading.Lock()


def shared_simulator():
    """One in-process simulator per process, made on first use (what connect() uses by default)."""
    global _shared_sim
    with _shared_lock:
        if _shared_sim is None:
            from diag.sim import Simulator
            _shared_sim = Simulator(seed=1, fresh_ids=True)   # each run its own conversation ids
        return _shared_sim


def _sim_session(base: str, transport, token: str | None, region: str, org_name: str, simulator, allowed,
                 hint, **options) -> Session:
    source = StaticToken(token) if token else None
    if source is None:
        try:
            r = transport.send(Request("GET", base + "/__sim/token", {"Accept": "application/json"}, timeout=10))
        except TransportFailure as exc:
            raise ConfigError(f"No diag simulator answers at {base} ({exc.reason}): start one with "
                              "`python -m diag sim`.") from None
        if r.status != 200:
            raise ConfigError(f"{base} did not answer as a diag simulator (GET /__sim/token: HTTP {r.status}).")
        try:
            token = json.loads(r.content)["access_token"]
            if not isinstance(token, str) or not token:
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            raise ConfigError(f"{base} did not answer as a diag simulator (GET /__sim/token gave no access_token): "
                              "start one with `python -m diag sim`.") from None
        source = StaticToken(token)
    return Session(base, source, region=region, simulated=True, org_name=org_name, simulator=simulator,
                   transport=transport, login_base=base, hint=hint, **allowed, **options)


_SIM_URL = re.compile(r"(https?)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?/?")


def _sim_base(sim_url: str) -> str:
    """The base URL of a diag simulator on this machine: scheme, host and port only (no user information, path,
    backslash or other character that URL parsers read apart: every parser must agree on the host)."""
    given = sim_url.strip()
    if "://" not in given:   # 127.0.0.1:8765, as `diag sim` prints it without its scheme
        given = "http://" + given
    found = _SIM_URL.fullmatch(given)
    host = found.group(2) if found else None
    if found is None or not is_loopback(host):
        shown = repr(host) if found else f"{shown_address(sim_url)} (not scheme://host:port)"
        raise ConfigError(f"--sim must be a diag simulator on this machine (http://127.0.0.1:PORT, localhost or "
                          f"[::1]), not {shown}: a real region is reached only with --region.")
    return given.rstrip("/")


def connect(region: str | None = None, *, client_id: str | None = None, client_secret: str | None = None,
            token: str | None = None, environ: dict | None = None, dotenv: str | None = ".env",
            regions: dict[str, Region] | None = None, simulator=None, sim_url: str | None = None,
            allowed_numbers: list[str] | None = None, allowed_users: list[str] | None = None,
            allowed_queues: list[str] | None = None, **session_options) -> Session:
    """A session on the built-in simulator, or on a real region only when `region` names one.

    region=None or "simulator": the in-process simulator (or `simulator=`); sim_url: a running `diag sim` on
    loopback; a region name or host: that real region, with credentials passed here or from GENESYS_CLOUD_*
    variables / .env. Credentials alone never select a real org."""
    env_creds = Credentials.from_env(environ, dotenv)
    allowed: dict[str, Any] = {"allowed_numbers": allowed_numbers if allowed_numbers is not None else allowed_numbers_from_env(environ),
               "allowed_users": allowed_users if allowed_users is not None else _env_list("DIAG_ALLOWED_USERS", environ),
               "allowed_queues": allowed_queues if allowed_queues is not None else
               _env_list("DIAG_ALLOWED_QUEUES", environ)}
    if sim_url is not None:
        base = _sim_base(sim_url)
        return _sim_session(base, HTTPTransport(), token, "simulator", "diag simulator (HTTP)", None, allowed, None,
                            **session_options)
    if isinstance(region, str) and region.strip().lower() == "simulator":
        region = "simulator"
    if simulator is not None or region is None or region == "simulator":
        if region is None and simulator is None and not (env_creds.empty and not (client_id or client_secret or token)):
            hint = ("Credentials were found but no region was given, so this is the simulator. To use the real org, "
                    "pass region=... (command line: --region REGION).")
        else:
            hint = None
        sim = simulator or shared_simulator()
        from diag.sim import IN_PROCESS_BASE
        return _sim_session(IN_PROCESS_BASE, sim.transport(), token or sim.user_token(), sim.region, sim.org.name,
                            sim, allowed, hint, **session_options)
    table = regions if regions is not None else REGIONS
    reg = find_region(region, table)
    creds = Credentials(reg.name, client_id or env_creds.client_id, client_secret or env_creds.client_secret,
                        token or env_creds.access_token)
    probe = frozenset(urlsplit(r.api_base).netloc.lower() for r in table.values())
    if creds.access_token:
        source: TokenSource = StaticToken(creds.access_token)
    elif creds.client_id and creds.client_secret:
        source = ClientCredentialsGrant(reg.login_base, creds.client_id, creds.client_secret,
                                        regions_hint=", ".join(f"{r.name} ({r.host})" for r in table.values()))
    else:
        raise ConfigError("No credentials: set GENESYS_CLOUD_ACCESS_TOKEN (a user token), or "
                          "GENESYS_CLOUD_CLIENT_ID and GENESYS_CLOUD_CLIENT_SECRET, or pass them to connect().")
    session = Session(reg.api_base, source, region=reg.name, simulated=False, login_base=reg.login_base,
                      probe_hosts=probe, **allowed, **session_options)
    session.regions = table
    return session
