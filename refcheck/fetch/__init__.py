"""The network layer: fetch each unique URL once, safely and politely, into FetchResults (see client.py for the shape)."""

from refcheck.fetch.client import NO_NETWORK_REASON, Fetcher, FetchRun, fetch_all, fetch_all_async
from refcheck.fetch.guard import Guard

__all__ = ["NO_NETWORK_REASON", "FetchRun", "Fetcher", "Guard", "fetch_all", "fetch_all_async"]
