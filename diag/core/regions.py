"""Genesys Cloud regions: API base and login host (facts §5, the SDK's PureCloudRegionHosts).

Login hosts follow the SDK's rule (api. -> login.). A table can be replaced for tests, so that "regions" are
simulators on loopback.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from diag.core.errors import ConfigError


@dataclass(frozen=True)
class Region:
    name: str
    api_base: str
    login_base: str
    note: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.api_base).netloc


def _region(name: str, domain: str, note: str = "") -> Region:
    return Region(name, f"https://api.{domain}", f"https://login.{domain}", note)


REGIONS: dict[str, Region] = {r.name: r for r in [
    _region("us_east_1", "mypurecloud.com"),
    _region("eu_west_1", "mypurecloud.ie"),
    _region("ap_southeast_2", "mypurecloud.com.au"),
    _region("ap_northeast_1", "mypurecloud.jp"),
    _region("eu_central_1", "mypurecloud.de"),
    _region("us_west_2", "usw2.pure.cloud"),
    _region("ca_central_1", "cac1.pure.cloud"),
    _region("ap_northeast_2", "apne2.pure.cloud"),
    _region("eu_west_2", "euw2.pure.cloud"),
    _region("ap_south_1", "aps1.pure.cloud"),
    _region("us_east_2", "use2.us-gov-pure.cloud", "US government (FedRAMP, inferred from the domain)"),
    _region("sa_east_1", "sae1.pure.cloud"),
    _region("me_central_1", "mec1.pure.cloud"),
    _region("ap_northeast_3", "apne3.pure.cloud"),
    _region("eu_central_2", "euc2.pure.cloud"),
    _region("mx_central_1", "mxc1.pure.cloud"),
    _region("ap_southeast_1", "apse1.pure.cloud"),
    _region("eusc_de_east_1", "edee1.eusc-pure.cloud", "EU sovereign cloud (in SDK templates from July 2026)"),
]}


def shown_address(given: str) -> str:
    """A region, host or URL a person typed, as a message may repeat it: without user information or query (they
    can hold a password or a token), and not at all when it is too long to be one (a token pasted in its place)."""
    text = re.sub(r"(?<=://)[^/@\s]*@", "…@", given.strip()).split("?", 1)[0].split("#", 1)[0]
    return repr(text) if len(text) <= 60 else f"(a value of {len(given)} characters, not shown)"


class UnknownRegion(ConfigError, ValueError):
    """A region name or host that is not in the table; the message lists the valid ones."""

    def __init__(self, given: str, table: dict[str, Region]):
        close = difflib.get_close_matches(given.lower().replace("-", "_"), list(table), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        listing = ", ".join(f"{r.name} ({r.host})" for r in table.values())
        super().__init__(f"Unknown Genesys Cloud region {shown_address(given)}.{hint} Valid regions: {listing}.")
        self.given, self.suggestions = given, close


def find_region(name_or_host: str, table: dict[str, Region] | None = None) -> Region:
    """By enum name (`eu_west_1`, `eu-west-1`), API or login host, or any URL on one of them."""
    table = table if table is not None else REGIONS
    key = name_or_host.strip()
    norm = key.lower().replace("-", "_")
    if norm in table:
        return table[norm]
    host = urlsplit(key if "://" in key else f"https://{key}").netloc.lower()
    for region in table.values():
        if host in (urlsplit(region.api_base).netloc, urlsplit(region.login_base).netloc):
            return region
        if host and host == urlsplit(region.api_base).netloc.replace("api.", "", 1):
            return region
    raise UnknownRegion(key, table)


# The in-process simulator's base URL: `.invalid` is reserved (RFC 2606), so no request to it ever left the machine,
# and a diag log recorded there is read back as the simulator's.
IN_PROCESS_BASE = "https://api.simulator.invalid"
IN_PROCESS_HOST = "api.simulator.invalid"


@lru_cache(maxsize=64)
def is_loopback(hostname: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: this machine, where the simulator runs."""
    import ipaddress

    name = (hostname or "").strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
