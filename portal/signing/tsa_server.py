"""The DEMO timestamp authority over HTTP (RFC 3161 on ``POST /``), for trying ``SIGNATURE_TSA_URL`` without a CA::

    python -m portal.signing.tsa_server var/demo-pki 127.0.0.1 8318

It answers with tokens signed by the DEMO PKI's TSA certificate. Nothing it stamps has any legal value.
"""

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import tsp

MAX_REQUEST = 64 * 1024


def demo_stamper(folder):
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from .pki import DemoPKI
    from .sign import DemoTimeStamper, _pem_certs

    pki = DemoPKI(folder).ensure()
    cert_pem, key_pem = pki.tsa()
    return DemoTimeStamper(
        tsa_cert=_pem_certs(cert_pem)[0],
        tsa_key=load_private_key_from_pemder_data(key_pem, passphrase=None),
        certs_to_embed=SimpleCertificateStore.from_certs(_pem_certs(pki.intermediates_pem())),
    )


def make_server(folder, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    stamper = demo_stamper(folder)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get_content_type() != "application/timestamp-query" or not 0 < length <= MAX_REQUEST:
                self.send_error(400, "Send an RFC 3161 TimeStampReq as application/timestamp-query")
                return
            try:
                request = tsp.TimeStampReq.load(self.rfile.read(length))
                with lock:
                    answer = stamper.request_tsa_response(request).dump()
            except Exception:  # a malformed request
                self.send_error(400, "Not a TimeStampReq")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args):  # quiet
            pass

    return ThreadingHTTPServer((host, port), Handler)


if __name__ == "__main__":
    folder, host, port = (sys.argv[1:4] + ["var/demo-pki", "127.0.0.1", "8318"][len(sys.argv[1:4]) :])[:3]
    server = make_server(folder, host, int(port))
    print(f"DEMO timestamp authority on http://{host}:{server.server_address[1]}/")
    server.serve_forever()
