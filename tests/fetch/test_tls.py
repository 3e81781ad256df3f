"""HTTPS through the pinned transport: HTTP/2 is negotiated, the TLS server name is the host name, and the socket goes to the checked address."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import threading

import h2.config
import h2.connection
import h2.events
import pytest

from refcheck.fetch import client, fetch_all
from refcheck.fetch.guard import Guard
from refcheck.models import UrlStatus

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")


class H2Server:
    """A minimal HTTPS server on 127.0.0.1 that speaks HTTP/2 (ALPN h2) and HTTP/1.1, recording SNI and protocol."""

    def __init__(self, cert, key):
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.context.set_alpn_protocols(["h2", "http/1.1"])
        self.server_names: list[str | None] = []
        self.protocols: list[str | None] = []
        self.context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.port = 0

    def __enter__(self):
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait(5)
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.loop.stop)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.context))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _serve(self, reader, writer):
        protocol = writer.get_extra_info("ssl_object").selected_alpn_protocol()
        self.protocols.append(protocol)
        if protocol != "h2":
            await reader.readuntil(b"\r\n\r\n")
            body = b"<title>over http/1.1</title>"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
            writer.close()
            return
        connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        connection.initiate_connection()
        writer.write(connection.data_to_send())
        while data := await reader.read(65536):
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    headers = dict(event.headers)
                    body = b"<title>over h2, authority " + headers[b":authority"] + b"</title>"
                    connection.send_headers(event.stream_id, [(":status", "200"), ("content-type", "text/html"),
                                                              ("content-length", str(len(body)))])
                    connection.send_data(event.stream_id, body, end_stream=True)
            writer.write(connection.data_to_send())
            await writer.drain()
        writer.close()


def test_https_negotiates_http2_with_the_host_name_as_server_name(certificate, quick, monkeypatch, no_wait, reader,
                                                                  http_engine):
    # httpx's engine offers h2 and gets it; the aiohttp engine speaks HTTP/1.1 only and must offer only that by ALPN
    # (offering h2 as well would let the server pick a protocol aiohttp cannot speak).
    cert, key = certificate
    trusting = ssl.create_default_context(cafile=str(cert))  # trust only the test certificate
    monkeypatch.setattr(client, "_tls_context", lambda: trusting)

    async def resolver(host, port):  # secure.test exists only here: the socket can only reach it via the pin
        return ["127.0.0.1"]

    with H2Server(cert, key) as server:
        url = f"https://secure.test:{server.port}/page"
        result = fetch_all([url], quick, guard=Guard(allow_private=True, resolver=resolver), read_page=reader,
                           sleep=no_wait).results[url]
    assert result.status is UrlStatus.OK, result.reason
    assert server.server_names == ["secure.test"]
    if http_engine == "httpx":
        assert server.protocols == ["h2"]
        assert reader.calls[0][0] == f"<title>over h2, authority secure.test:{server.port}</title>".encode()
    else:
        assert server.protocols == ["http/1.1"]
        assert reader.calls[0][0] == b"<title>over http/1.1</title>"


def test_a_certificate_for_another_name_is_a_tls_error(certificate, quick, monkeypatch, no_wait):
    cert, key = certificate
    monkeypatch.setattr(client, "_tls_context", lambda: ssl.create_default_context(cafile=str(cert)))

    async def resolver(host, port):
        return ["127.0.0.1"]

    with H2Server(cert, key) as server:
        url = f"https://other.test:{server.port}/"
        result = fetch_all([url], quick, guard=Guard(allow_private=True, resolver=resolver),
                           sleep=no_wait).results[url]
    assert result.status is UrlStatus.ERROR
    assert result.reason.startswith("TLS error")
