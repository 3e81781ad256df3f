"""The network layer: fetch each unique URL once, safely and politely, into FetchResults (see client.py for the shape).

The names below load their module on first use, so that importing `refcheck.fetch.cache` or `refcheck.fetch.run`
(a check answered wholly from the cache) does not load httpx.
"""

import importlib

_HOMES = {"NO_NETWORK_REASON": "client", "Fetcher": "client", "fetch_all": "client", "fetch_all_async": "client",
          "FetchRun": "run", "Guard": "guard"}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'refcheck.fetch' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"refcheck.fetch.{home}"), name)
    globals()[name] = value
    return value
