"""A webhook receiver on loopback and the receiver's signature check, shared by the
functional and integration tests of outbound webhooks."""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A webhook receiver on 127.0.0.1 answering the statuses it is given, in turn."""

    def __init__(self):
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses = [200]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                receiver.requests.append((dict(self.headers.items()), self.rfile.read(length)))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else \
                    receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    """The receiver's check, as the Standard Webhooks specification publishes it."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(f"v1,{expected}", candidate)
               for candidate in headers["webhook-signature"].split())
