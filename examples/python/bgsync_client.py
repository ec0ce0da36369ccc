#!/usr/bin/env python3
"""bgsync from Python with the standard library alone, speaking the protocol itself:
newline-delimited JSON over bgsyncd's Unix socket (see bgsync-protocol(7) / proto/PROTOCOL.md).

    bgsync_client.py enqueue URL [-X METHOD] [-d BODY] [-H 'Name: value']... [--tag T] [--app A]
    bgsync_client.py watch [--tag T] [--since SEQ] [--until ACTION_ID] [--timeout SECONDS]

`enqueue` prints the new action's id; `watch` prints one line per event and, with --until, stops
when that action is sent or has failed. Import it to use Client from your own code.
"""
import argparse
import json
import os
import socket
import sys
import time


def default_socket_path():
    """Where bgsyncd listens, found as libbgsync and syncctl find it."""
    if os.environ.get("BGSYNC_SOCKET"):
        return os.environ["BGSYNC_SOCKET"]
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if os.path.isabs(runtime):
        return os.path.join(runtime, "bgsync", "bgsyncd.sock")
    return f"/tmp/bgsync-{os.getuid()}/bgsyncd.sock"


class BgsyncError(Exception):
    """An error reply: `code` is the protocol's stable code ("bad_url", "not_found"...)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Client:
    """One connection to bgsyncd: requests one at a time, then (after subscribe) events."""

    def __init__(self, path=None, name="bgsync_client.py", timeout=30.0):
        self.path = path or default_socket_path()
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.connect(self.path)
        except (FileNotFoundError, ConnectionRefusedError) as e:
            self.sock.close()
            raise BgsyncError("not_running", f"bgsyncd is not running: {e.strerror} at {self.path}") from None
        self.buffer = b""
        self.events = []  # events that arrived while we waited for a reply
        self.next_id = 1
        self.request("hello", version=1, client=name)

    def close(self):
        self.sock.close()

    def request(self, op, **args):
        """Sends one request and returns its reply's fields; raises BgsyncError on an error reply."""
        request_id = self.next_id
        self.next_id += 1
        message = {"id": request_id, "op": op}
        message.update({k: v for k, v in args.items() if v is not None})
        self.sock.sendall(json.dumps(message).encode() + b"\n")
        deadline = time.monotonic() + self.timeout
        while True:
            frame = self._read_frame(deadline)
            if frame is None:
                raise BgsyncError("timeout", f"bgsyncd did not answer {op} within {self.timeout} s")
            if "event" in frame:
                self.events.append(frame["event"])
            elif frame.get("id") == request_id:
                if not frame["ok"]:
                    raise BgsyncError(frame["error"]["code"], frame["error"]["message"])
                return frame

    def enqueue(self, url, method="POST", headers=(), body="", tag="", app=""):
        """Stores the request durably in the outbox; returns the action (a dict, state "queued")."""
        return self.request("enqueue", url=url, method=method, headers=[list(h) for h in headers],
                            body=body, tag=tag, app=app)["action"]

    def subscribe(self, tag=None, since=None):
        """Starts receiving events; with `since`, first those after that seq. Returns the reply."""
        return self.request("subscribe", tag=tag, since=since)

    def next_event(self, timeout=None):
        """The next event (a dict), or None when `timeout` seconds pass first."""
        if self.events:
            return self.events.pop(0)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            frame = self._read_frame(deadline)
            if frame is None or "event" in frame:
                return frame and frame["event"]

    def _read_frame(self, deadline):
        while b"\n" not in self.buffer:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                raise BgsyncError("connection_lost", "bgsyncd closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)


def main():
    parser = argparse.ArgumentParser(description="bgsync over its protocol, standard library only")
    parser.add_argument("--socket", help="bgsyncd's socket (default: $BGSYNC_SOCKET, then the usual place)")
    commands = parser.add_subparsers(dest="command", required=True)
    enqueue = commands.add_parser("enqueue", help="hand a request to bgsyncd; prints its id")
    enqueue.add_argument("url")
    enqueue.add_argument("-X", "--method", default="POST")
    enqueue.add_argument("-d", "--data", default="")
    enqueue.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    enqueue.add_argument("--tag", default="")
    enqueue.add_argument("--app", default="bgsync_client.py")
    watch = commands.add_parser("watch", help="print events as they happen")
    watch.add_argument("--tag")
    watch.add_argument("--since", type=int, help="first replay the events after this seq")
    watch.add_argument("--until", metavar="ACTION_ID", help="stop once this action is sent or failed")
    watch.add_argument("--timeout", type=float, help="give up after this many seconds (exit status 1)")
    args = parser.parse_args()

    try:
        client = Client(args.socket)
        if args.command == "enqueue":
            headers = [tuple(part.strip() for part in h.split(":", 1)) for h in args.header]
            action = client.enqueue(args.url, args.method, headers, args.data, args.tag, args.app)
            print(action["id"])
            return 0
        client.subscribe(args.tag, args.since)
        deadline = None if args.timeout is None else time.monotonic() + args.timeout
        while True:
            event = client.next_event(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if event is None:
                print("timed out", file=sys.stderr)
                return 1
            status = f" HTTP {event['status']}" if event.get("status") else ""
            error = f": {event['error']}" if event.get("error") else ""
            print(f"{event['seq']} {event['type']} {event['id']}{status}{error}", flush=True)
            if event["id"] == args.until and event["type"] in ("sent", "failed"):
                return 0
    except BgsyncError as e:
        print(f"bgsync_client.py: {e} ({e.code})", file=sys.stderr)
        return 3 if e.code == "not_running" else 1


if __name__ == "__main__":
    sys.exit(main())
