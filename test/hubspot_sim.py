#!/usr/bin/env python3
"""hubspot_sim.py: a HubSpot API simulator, the project's test double.

It serves what HubSpot serves per shared/hubspot-api: the same paths, shapes,
limits and opaque cursors, Bearer-token auth with scopes, the ten-secondly,
secondly (search) and daily rate limits with HubSpot's headers and 429
bodies, from an account generated from a seed (test/sim_data.py).  It is
faithful to HubSpot, never to the wrapper's convenience.

The core here does HTTP, auth, rate limits, faults, the request log and the
control API (/_sim/...); the APIs themselves live in modules test/sim_*.py,
each with register(sim) (see test/SIMULATOR.md for the contract).

Python standard library only.
"""
import argparse
import base64
import csv
import fnmatch
import gzip
import hashlib
import hmac
import importlib
import io
import json
import os
import re
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim_data  # noqa: E402

ALL_SCOPES = [
    "crm.objects.users.read", "crm.objects.users.write",
    "crm.objects.contacts.read", "crm.objects.contacts.write",
    "crm.objects.companies.read", "crm.objects.companies.write",
    "crm.objects.deals.read", "crm.objects.deals.write",
    "tickets", "crm.objects.custom.read", "crm.objects.custom.write",
    "crm.schemas.custom.read", "crm.objects.owners.read",
    "settings.users.read", "settings.users.write", "settings.users.teams.read",
    "oauth",
]

MODULES = ["sim_crm", "sim_account", "sim_settings", "sim_permitted"]


class ApiError(Exception):
    """ApiError: an error answer with HubSpot's error body."""

    def __init__(self, status, message, category="VALIDATION_ERROR",
                 sub_category=None, context=None, errors=None, extra=None,
                 headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.sub_category = sub_category
        self.context = context
        self.errors = errors
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, correlation_id):
        """body: the JSON error body HubSpot sends."""
        b = {"status": "error", "message": self.message,
             "correlationId": correlation_id}
        if self.category:
            b["category"] = self.category
        if self.sub_category:
            b["subCategory"] = self.sub_category
        if self.context is not None:
            b["context"] = self.context
        if self.errors is not None:
            b["errors"] = self.errors
        b.update(self.extra)
        return b


class Request:
    """Request: what a module's handler sees."""

    def __init__(self, sim, method, path, query, raw, headers):
        self.sim = sim
        self.method = method
        self.path = path
        self.query = query
        self.raw = raw
        self.headers = headers
        self.json = None
        self.match = None
        self.token = None

    def arg(self, name, default=None):
        """arg: the first value of a query parameter."""
        v = self.query.get(name)
        return v[0] if v else default

    def args(self, name):
        """args: every value of a repeatable, comma-joinable parameter."""
        out = []
        for v in self.query.get(name, []):
            out.extend(x for x in v.split(",") if x != "")
        return out


class Window:
    """Window: a rolling count of events over an interval."""

    def __init__(self):
        self.times = deque()

    def used(self, now, interval):
        """used: events within the interval ending now."""
        while self.times and self.times[0] <= now - interval:
            self.times.popleft()
        return len(self.times)

    def oldest(self):
        return self.times[0] if self.times else None


class Sim:
    """Sim: the simulator's state: data, config, tokens, log, faults."""

    ApiError = ApiError

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.routes = []
        self.exporters = {}
        self.secret = hashlib.sha256(b"hubspot-sim-%d" % args.seed).digest()
        self.modules = []
        for name in MODULES:
            try:
                self.modules.append(importlib.import_module(name))
            except ModuleNotFoundError as e:
                if e.name != name:
                    raise
        self.reset()
        for m in self.modules:
            m.register(self)

    def default_config(self):
        """default_config: the settings /_sim/reset returns to."""
        return {
            "rate_limit_per_10s": self.args.rate_limit_per_10s,
            "search_per_second": self.args.search_per_second,
            "daily_limit": self.args.daily_limit,
            "rate_limit_headers": True,
            "latency_ms": self.args.latency_ms,
            "list_max_limit": 100,
            "search_max_limit": 200,
            "search_max_results": 10000,
            "search_max_body": 3000,
            "batch_max": 100,
        }

    def reset(self):
        """reset: a fresh account and default settings."""
        with self.lock:
            a = self.args
            self.data = sim_data.Dataset(seed=a.seed, users=a.users,
                                         contacts=a.contacts,
                                         companies=a.companies, deals=a.deals,
                                         tickets=a.tickets, custom=a.custom)
            self.config = self.default_config()
            self.tokens = {"sim-token": set(ALL_SCOPES),
                           "sim-token-noscopes": set()}
            self.log = []
            self.seq = 0
            self.faults = []
            self.window = Window()
            self.search_window = Window()
            self.daily = 0
            for m in self.modules:
                if hasattr(m, "reset"):
                    m.reset(self)

    # ---- the module contract ----
    def route(self, method, pattern, scopes, handler):
        """route: serve METHOD on paths fully matching pattern."""
        self.routes.append((method, re.compile(pattern), list(scopes), handler))

    def exporter(self, kind, fn):
        """exporter: rows for GET /_sim/data/KIND."""
        self.exporters[kind] = fn

    def encode_cursor(self, obj):
        """encode_cursor: an opaque, tamper-evident cursor."""
        raw = json.dumps(obj, separators=(",", ":")).encode()
        mac = hmac.new(self.secret, raw, hashlib.sha256).digest()[:6]
        return base64.urlsafe_b64encode(mac + raw).decode().rstrip("=")

    def decode_cursor(self, s):
        """decode_cursor: the object behind a cursor, or HubSpot's 400."""
        try:
            b = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
            mac, raw = b[:6], b[6:]
            if hmac.new(self.secret, raw, hashlib.sha256).digest()[:6] != mac:
                raise ValueError
            return json.loads(raw)
        except Exception:
            raise ApiError(400, "Invalid input JSON on line 1, column 1: "
                           "invalid paging cursor '%s'" % s[:40],
                           "VALIDATION_ERROR")

    def require(self, req, scopes):
        """require: HubSpot's 403 unless the token has one of the scopes."""
        if scopes and not (set(scopes) & self.tokens.get(req.token, set())):
            raise scope_error(scopes)

    # ---- rate limits ----
    def rate_check(self, is_search):
        """rate_check: headers for an allowed request, or a 429 ApiError."""
        now = time.monotonic()
        cfg = self.config
        with self.lock:
            if self.daily >= cfg["daily_limit"]:
                raise ApiError(429, "You have reached your daily limit.",
                               None, extra={"errorType": "RATE_LIMIT",
                                            "policyName": "DAILY"})
            if is_search:
                if self.search_window.used(now, 1.0) >= cfg["search_per_second"]:
                    raise ApiError(429, "You have reached your secondly limit.",
                                   None, extra={"errorType": "RATE_LIMIT",
                                                "policyName": "SECONDLY"})
            used = self.window.used(now, 10.0)
            if used >= cfg["rate_limit_per_10s"]:
                raise ApiError(429, "You have reached your ten secondly limit.",
                               None, extra={"errorType": "RATE_LIMIT",
                                            "policyName": "TEN_SECONDLY_ROLLING"})
            self.window.times.append(now)
            if is_search:
                self.search_window.times.append(now)
            self.daily += 1
            if is_search or not cfg["rate_limit_headers"]:
                return {}
            return {
                "X-HubSpot-RateLimit-Daily": str(cfg["daily_limit"]),
                "X-HubSpot-RateLimit-Daily-Remaining": str(cfg["daily_limit"] - self.daily),
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                "X-HubSpot-RateLimit-Max": str(cfg["rate_limit_per_10s"]),
                "X-HubSpot-RateLimit-Remaining": str(cfg["rate_limit_per_10s"] - used - 1),
            }

    # ---- faults ----
    def take_fault(self, method, target):
        """take_fault: the action of the first armed fault matching, or None."""
        with self.lock:
            for f in self.faults:
                if f.get("method") and f["method"].upper() != method:
                    continue
                if f.get("path") and not re.search(f["path"], target.split("?")[0]):
                    continue
                if f.get("times", 1) == 0:
                    continue
                if f.get("skip", 0) > 0:
                    f["skip"] -= 1
                    continue
                if "times" in f and f["times"] > 0:
                    f["times"] -= 1
                return dict(f.get("action", {}))
        return None

    def record(self, entry):
        """record: add a request to the log."""
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.log.append(entry)


def scope_error(scopes):
    """scope_error: HubSpot's 403 for a token without the scopes."""
    return ApiError(
        403, "This app hasn't been granted all required scopes to make this "
        "call. Read more about required scopes here: "
        "https://developers.hubspot.com/scopes.", "MISSING_SCOPES",
        errors=[{"message": "One or more of the following scopes are required.",
                 "context": {"requiredGranularScopes": scopes}}],
        context={"missingScopes": scopes},
        extra={"links": {"scopes": "https://developers.hubspot.com/scopes"}})


class Handler(BaseHTTPRequestHandler):
    """Handler: one HTTP/1.1 connection; dispatches to routes."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "hubspot-sim/1.0"
    sim = None

    def log_message(self, fmt, *a):
        if not self.sim.args.quiet:
            sys.stderr.write("%s\n" % (fmt % a))

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # ---- answering ----
    def send(self, status, body, headers=None, content_type="application/json;charset=utf-8",
             action=None):
        """send: one answer, gzipped when asked; faults shape it."""
        if body is None:
            data = b""
        elif isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body, ensure_ascii=False,
                              separators=(",", ":")).encode()
        gz = (data and "gzip" in (self.headers.get("Accept-Encoding") or "")
              and len(data) > 256)
        if gz:
            data = gzip.compress(data, compresslevel=1)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("X-HubSpot-Correlation-Id", self.correlation_id)
        if gz:
            self.send_header("Content-Encoding", "gzip")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.sent_bytes = len(data)
        if action and (action.get("truncate") or action.get("reset")):
            try:
                self.wfile.write(data[:len(data) // 2])
                self.wfile.flush()
            except OSError:
                pass
            if action.get("reset"):
                try:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                except OSError:
                    pass
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if data:
            self.wfile.write(data)

    def dispatch(self, method):
        """dispatch: control API, or auth, limits, faults and a route."""
        self.correlation_id = str(uuid.uuid4())
        self.sent_bytes = 0
        sim = self.sim
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        if self.headers.get("Content-Encoding") == "gzip" and raw:
            raw = gzip.decompress(raw)
        try:
            if path.startswith("/_sim/"):
                return self.control(method, path, query, raw)
        except BrokenPipeError:
            return
        entry = {"method": method, "path": path, "target": self.path,
                 "time": time.time(),
                 "body": raw.decode("utf-8", "replace") if raw else None}
        status = 500
        try:
            status = self.serve(method, path, query, raw, entry)
        except (BrokenPipeError, ConnectionResetError):
            status = 499
        finally:
            entry["status"] = status
            entry["bytes"] = self.sent_bytes
            sim.record(entry)

    def serve(self, method, path, query, raw, entry):
        """serve: one API request; returns the status sent."""
        sim = self.sim
        action = sim.take_fault(method, self.path) or {}
        entry["fault"] = action or None
        lat = sim.config.get("latency_ms") or 0
        if action.get("delay_ms"):
            time.sleep(action["delay_ms"] / 1000.0)
        if lat:
            time.sleep(lat / 1000.0)
        if action.get("status"):
            st = int(action["status"])
            hdrs = {}
            if action.get("retry_after") is not None:
                hdrs["Retry-After"] = str(action["retry_after"])
            if st == 429:
                policy = action.get("policy", "TEN_SECONDLY_ROLLING")
                msg = {"DAILY": "You have reached your daily limit.",
                       "SECONDLY": "You have reached your secondly limit."}.get(
                           policy, "You have reached your ten secondly limit.")
                body = {"status": "error", "message": msg, "errorType": "RATE_LIMIT",
                        "correlationId": self.correlation_id, "policyName": policy}
            elif action.get("body") is not None:
                body = action["body"]
            else:
                body = {"status": "error",
                        "message": action.get("message", "internal error"),
                        "correlationId": self.correlation_id,
                        "category": action.get("category", "INTERNAL_ERROR")}
            self.send(st, body, hdrs)
            return st
        if action.get("html"):
            self.send(200, "<html><head><title>HubSpot</title></head><body>"
                      "<h1>Something went wrong</h1></body></html>",
                      content_type="text/html; charset=utf-8")
            return 200
        req = Request(sim, method, path, query, raw, self.headers)
        try:
            handler, scopes, req.match = self.find_route(method, path)
            auth = self.headers.get("Authorization") or ""
            tok = auth[7:].strip() if auth.startswith("Bearer ") else None
            if tok is None or tok not in sim.tokens:
                raise ApiError(401, "Authentication credentials not found. This "
                               "API supports OAuth 2.0 authentication and you "
                               "can find more details at "
                               "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                               "INVALID_AUTHENTICATION")
            req.token = tok
            if scopes and not (set(scopes) & sim.tokens[tok]):
                raise scope_error(scopes)
            hdrs = sim.rate_check(path.endswith("/search"))
            if raw:
                try:
                    req.json = json.loads(raw)
                except ValueError as e:
                    raise ApiError(400, "Invalid input JSON on line 1, column 1: %s" % e,
                                   "VALIDATION_ERROR")
            shifted = 0
            if action.get("shift") and isinstance(req.json, dict) and req.json.get("after"):
                # records added ahead of a search's offset while it pages:
                # what stood at the offset sent has moved "shift" places on,
                # so the page holds records from that many places earlier;
                # the next cursor is still the offset sent plus the page
                sent = int(req.json["after"])
                req.json["after"] = str(max(0, sent - int(action["shift"])))
                shifted = sent - int(req.json["after"])
            status, body = handler(req)
            nxt = body.get("paging", {}).get("next") if isinstance(body, dict) else None
            if shifted and nxt and str(nxt.get("after", "")).isdigit():
                nxt["after"] = str(int(nxt["after"]) + shifted)
        except ApiError as e:
            h = dict(e.headers)
            if e.status == 429:
                h.pop("Retry-After", None)
            self.send(e.status, e.body(self.correlation_id), h)
            return e.status
        except Exception:
            traceback.print_exc()
            self.send(500, {"status": "error", "message": "internal error",
                            "correlationId": self.correlation_id,
                            "category": "INTERNAL_ERROR"})
            return 500
        if isinstance(body, dict):
            body = self.apply_body_faults(action, body, query, req.json)
        self.send(status, body, hdrs, action=action)
        return status

    def find_route(self, method, path):
        """find_route: the handler for a path, or HubSpot's 404/405."""
        found = False
        for m, rx, scopes, handler in self.sim.routes:
            mt = rx.fullmatch(path)
            if mt:
                found = True
                if m == method:
                    return handler, scopes, mt
        if found:
            raise ApiError(405, "HTTP method %s is not supported by this URL" % method,
                           "VALIDATION_ERROR")
        raise ApiError(404, "Unable to find a resource at %s" % path,
                       "OBJECT_NOT_FOUND")

    def apply_body_faults(self, action, body, query, req_json):
        """apply_body_faults: wrong shape, repeated cursor, duplicates, long values."""
        if action.get("wrong_shape"):
            return {"status": "ok", "items": body.get("results", []) and 1}
        results = body.get("results")
        if action.get("repeat_cursor") and "paging" in body:
            after = (query.get("after") or [None])[0]
            if after is None and isinstance(req_json, dict):
                after = req_json.get("after")
            if after is not None:
                body["paging"]["next"]["after"] = str(after)
        if action.get("duplicate") and isinstance(results, list) and results:
            body["results"] = results + [results[0]]
        if action.get("long_values") and isinstance(results, list):
            n = int(action.get("length", 65536))
            for r in results:
                props = r.get("properties")
                if isinstance(props, dict):
                    for k, v in props.items():
                        if isinstance(v, str) and not k.startswith("hs_object_id") \
                                and not v.isdigit() and v not in ("true", "false"):
                            props[k] = ("é" + "x" * 9 + "日本") * (n // 12) + "z" * (n % 12)
        return body

    # ---- control API ----
    def control(self, method, path, query, raw):
        """control: the simulator's own API under /_sim/."""
        sim = self.sim
        body = json.loads(raw) if raw else None
        p = path[len("/_sim/"):]
        if p == "health":
            return self.send(200, {"status": "ok", "users": len(sim.data.people)})
        if p == "reset" and method == "POST":
            sim.reset()
            return self.send(200, {"status": "ok"})
        if p == "log":
            if method == "DELETE":
                with sim.lock:
                    sim.log = []
                return self.send(204, None)
            rx = re.compile(query["path"][0]) if "path" in query else None
            meth = query.get("method", [None])[0]
            with sim.lock:
                out = [e for e in sim.log
                       if (rx is None or rx.search(e["path"]))
                       and (meth is None or e["method"] == meth.upper())]
            return self.send(200, {"entries": out})
        if p == "config":
            if method == "POST":
                with sim.lock:
                    sim.config.update(body or {})
            return self.send(200, sim.config)
        if p == "faults":
            with sim.lock:
                if method == "DELETE":
                    sim.faults = []
                elif method == "POST":
                    fl = body if isinstance(body, list) else [body]
                    for f in fl:
                        if "path" in f:
                            re.compile(f["path"])
                    sim.faults.extend(fl)
                return self.send(200, {"faults": sim.faults})
        if p == "tokens" and method == "POST":
            with sim.lock:
                sim.tokens[body["token"]] = set(body.get("scopes", []))
            return self.send(200, {"status": "ok"})
        if p.startswith("data/"):
            kind = p[5:]
            fn = sim.exporters.get(kind)
            if fn is None:
                return self.send(404, {"message": "no data kind %s; have %s"
                                       % (kind, ", ".join(sorted(sim.exporters)))})
            with sim.data.lock:
                rows = list(fn())
            fmt = query.get("format", ["jsonl"])[0]
            if fmt == "csv":
                cols = query.get("columns", [""])[0].split(",") if "columns" in query \
                    else (list(rows[0].keys()) if rows else [])
                return self.send(200, to_csv(rows, cols), content_type="text/csv")
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            return self.send(200, text, content_type="application/x-ndjson")
        return self.send(404, {"message": "unknown control path %s" % path})


def csv_field(v):
    """csv_field: a value as COPY's CSV reads it (NULL unquoted and empty)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, dict)):
        v = json.dumps(v, ensure_ascii=False)
    return '"' + str(v).replace('"', '""') + '"'


def to_csv(rows, cols):
    """to_csv: rows as CSV with a header line."""
    out = [",".join(cols)]
    for r in rows:
        out.append(",".join(csv_field(r.get(c)) for c in cols))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description="HubSpot API simulator")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--port-file")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--users", type=int, default=25000)
    ap.add_argument("--contacts", type=int, default=2000)
    ap.add_argument("--companies", type=int, default=500)
    ap.add_argument("--deals", type=int, default=1000)
    ap.add_argument("--tickets", type=int, default=800)
    ap.add_argument("--custom", type=int, default=300)
    ap.add_argument("--rate-limit-per-10s", type=int, default=100)
    ap.add_argument("--search-per-second", type=int, default=5)
    ap.add_argument("--daily-limit", type=int, default=250000)
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--tls-cert", help="serve https with this certificate (PEM)")
    ap.add_argument("--tls-key", help="the certificate's private key (PEM)")
    args = ap.parse_args()
    sim = Sim(args)
    Handler.sim = sim
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 64
    httpd = ThreadingHTTPServer((args.host, args.port), Handler)
    scheme = "http"
    if args.tls_cert:
        # HubSpot speaks only https; tests of certificate checks need it too
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    port = httpd.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    if not args.quiet:
        print("hubspot_sim listening on %s://%s:%d" % (scheme, args.host, port), flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
