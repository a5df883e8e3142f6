"""A local fake of the national public service portal's adapter, as a separate HTTP process.

It speaks the shapes in INTERCONNECTION.md: ``POST /auth`` gives a session; ``POST /integration`` and ``POST /share``
take ``{"session", "madonvi", "service", ...}`` and answer ``{"error_code", "message", "result"}``. Sessions expire;
an unknown or expired one is answered with error code 3 ("invalid session"); ``DongBoHoSoMC`` with
``isUpdating="False"`` for a dossier it already has answers "Hồ sơ đã tồn tại"; ``CapNhatTienDoHoSoMC`` refuses more
than 10 items. Everything received is recorded.

The control endpoints (``/_control/...``, JSON) make it expire sessions, go slow, answer 5xx, serve a catalogue,
and give back what it received:

    POST /_control/reset                      forget everything (sessions, dossiers, records, modes)
    POST /_control/mode     {"fail": 503, "delay": 7.5, "session_seconds": 600, "bad_procedures": ["1.0"]}
    POST /_control/expire                     every session becomes invalid
    POST /_control/catalogue {"procedures": [record, ...], "fields": [...], "agencies": [...]}
    GET  /_control/received                   [{"service", "body", "at"}, ...] (calls that were accepted)
    GET  /_control/state                      {"logins", "dossiers": {MaHoSo: item}, "calls": n}

    python tests/peers/national_portal.py --port 8765
"""

import argparse
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INVALID_SESSION = 3


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.sessions: dict[str, float] = {}
        self.dossiers: dict[str, dict] = {}
        self.received: list[dict] = []
        self.logins = 0
        self.calls = 0
        self.fail = 0  # HTTP status to answer every call with (0: answer normally)
        self.delay = 0.0
        self.session_seconds = 600.0
        self.catalogue: dict[str, dict] = {}
        self.fields: list[dict] = []
        self.agencies: list[dict] = []
        self.bad_procedures: set[str] = set()  # LayThuTuc answers an error for these


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the province's gateway
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall between them

    def log_message(self, *args):
        pass

    def _json(self, status: int, body) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def do_GET(self):
        with STATE.lock:
            if self.path == "/_control/received":
                return self._json(200, STATE.received)
            if self.path == "/_control/state":
                return self._json(200, {"logins": STATE.logins, "dossiers": STATE.dossiers, "calls": STATE.calls})
        self._json(404, {"error_code": -1, "message": "not found"})

    def do_POST(self):
        body = self._body()
        if self.path.startswith("/_control/"):
            return self._control(self.path.removeprefix("/_control/"), body or {})
        with STATE.lock:
            STATE.calls += 1
            fail, delay = STATE.fail, STATE.delay
        if delay:
            time.sleep(delay)
        if fail:
            return self._json(fail, {"error_code": -1, "message": "Hệ thống đang bảo trì"})
        if body is None or not isinstance(body, dict):
            return self._json(400, {"error_code": -1, "message": "Dữ liệu không hợp lệ"})
        if self.path == "/auth":
            return self._login(body)
        if self.path in ("/integration", "/share"):
            return self._json(200, self._service(body))
        self._json(404, {"error_code": -1, "message": "not found"})

    def _control(self, what: str, body: dict):
        with STATE.lock:
            if what == "reset":
                STATE.reset()
            elif what == "mode":
                STATE.fail = int(body.get("fail", STATE.fail))
                STATE.delay = float(body.get("delay", STATE.delay))
                STATE.session_seconds = float(body.get("session_seconds", STATE.session_seconds))
                if "bad_procedures" in body:
                    STATE.bad_procedures = set(body["bad_procedures"])
            elif what == "expire":
                STATE.sessions.clear()
            elif what == "catalogue":
                STATE.catalogue = {str(r.get("MaTTHC", "")): r for r in body.get("procedures", [])}
                STATE.fields = body.get("fields", [])
                STATE.agencies = body.get("agencies", [])
            else:
                return self._json(404, {"error": "unknown control"})
        self._json(200, {"ok": True})

    def _login(self, body: dict):
        if not body.get("username") or not body.get("password"):
            return self._json(200, {"error_code": -1, "message": "Sai tên đăng nhập hoặc mật khẩu"})
        session = uuid.uuid4().hex
        with STATE.lock:
            STATE.sessions[session] = time.monotonic() + STATE.session_seconds
            STATE.logins += 1
        self._json(200, {"error_code": 0, "session": session})

    def _service(self, body: dict) -> dict:
        with STATE.lock:
            expires = STATE.sessions.get(str(body.get("session")))
            if expires is None or expires < time.monotonic():
                STATE.sessions.pop(str(body.get("session")), None)
                return {"error_code": INVALID_SESSION, "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"}
            if not body.get("madonvi"):
                return {"error_code": -1, "message": "Thiếu mã đơn vị"}
            service = body.get("service")
            handler = getattr(self, f"_op_{service}", None)
            if handler is None:
                return {"error_code": -1, "message": f"Không hỗ trợ dịch vụ {service}"}
            answer = handler(body)
            if str(answer.get("error_code")) == "0":
                STATE.received.append({"service": service, "body": body, "at": time.time()})
            return answer

    def _op_DongBoHoSoMC(self, body):
        items = body.get("data")
        if not isinstance(items, list) or not items:
            return {"error_code": -1, "message": "Thiếu dữ liệu hồ sơ"}
        updating = body.get("isUpdating")
        if updating not in ("True", "False"):
            return {"error_code": -1, "message": "isUpdating phải là True hoặc False"}
        for item in items:
            code = item.get("MaHoSo")
            if not code or not item.get("TrangThaiHoSo"):
                return {"error_code": -1, "message": "Thiếu MaHoSo hoặc TrangThaiHoSo"}
            if updating == "False" and code in STATE.dossiers:
                return {"error_code": -1, "message": f"Hồ sơ {code} đã tồn tại"}
        for item in items:
            STATE.dossiers[item["MaHoSo"]] = item
        return {"error_code": 0, "message": "Đồng bộ thành công"}

    def _op_CapNhatTienDoHoSoMC(self, body):
        items = body.get("data")
        if not isinstance(items, list) or not items or len(items) > 10:
            return {"error_code": -1, "message": "Danh sách tiến độ phải có từ 1 đến 10 mục"}
        for item in items:
            if item.get("MaHoSo") not in STATE.dossiers:
                return {"error_code": -1, "message": f"Không tìm thấy hồ sơ {item.get('MaHoSo')}"}
        return {"error_code": 0, "message": "Cập nhật tiến độ thành công"}

    def _op_TraCuuHoSo(self, body):
        found = STATE.dossiers.get(body.get("mahoso"))
        return {"error_code": 0, "message": "", "result": [found] if found else []}

    def _op_LayDanhSachTTHC(self, body):
        result = [{"MATTHC": code, "TENTTHC": r.get("TENTTHC", "")} for code, r in STATE.catalogue.items()]
        return {"error_code": 0, "message": "", "result": result}

    def _op_LayThuTuc(self, body):
        code = body.get("maTTHC")
        if code in STATE.bad_procedures:
            return {"error_code": -1, "message": f"Không lấy được thủ tục {code}"}
        record = STATE.catalogue.get(code)
        if record is None:
            return {"error_code": -1, "message": f"Không tìm thấy thủ tục {code}"}
        return {"error_code": 0, "message": "", "result": [record]}

    def _op_LayDanhMucLinhVuc(self, body):
        return {"error_code": 0, "message": "", "result": STATE.fields}

    def _op_LayDanhMucCoQuan(self, body):
        return {"error_code": 0, "message": "", "result": STATE.agencies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
