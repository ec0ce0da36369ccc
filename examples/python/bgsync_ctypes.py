#!/usr/bin/env python3
"""bgsync from Python through libbgsync's C API (bgsync.h) and ctypes, standard library only:
enqueue a POST, then watch its events until it is sent (or 30 seconds pass).

    bgsync_ctypes.py URL [BODY]

Finds libbgsync.so.0 the way the dynamic linker does (set LD_LIBRARY_PATH for a non-system prefix).
"""
import ctypes
import sys

lib = ctypes.CDLL("libbgsync.so.0")


class Event(ctypes.Structure):  # struct bgsync_event, field for field
    _fields_ = [("seq", ctypes.c_uint64), ("type", ctypes.c_int), ("id", ctypes.c_char_p),
                ("tag", ctypes.c_char_p), ("app", ctypes.c_char_p), ("time_ms", ctypes.c_int64),
                ("attempt", ctypes.c_uint32), ("status", ctypes.c_int), ("error", ctypes.c_char_p),
                ("next_attempt_ms", ctypes.c_int64), ("online", ctypes.c_int), ("reason", ctypes.c_char_p)]


class Status(ctypes.Structure):  # struct bgsync_status
    _fields_ = [("version", ctypes.c_char_p), ("online", ctypes.c_int), ("network_reason", ctypes.c_char_p),
                ("network_since_ms", ctypes.c_int64), ("paused", ctypes.c_int), ("queued", ctypes.c_uint64),
                ("sending", ctypes.c_uint64), ("sent", ctypes.c_uint64), ("failed", ctypes.c_uint64),
                ("cancelled", ctypes.c_uint64), ("last_seq", ctypes.c_uint64), ("next_attempt_ms", ctypes.c_int64)]


EVENT_SENT, EVENT_FAILED = 3, 4
ERR_TIMEOUT = 104
Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(Event), ctypes.c_void_p)

lib.bgsync_connect.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)]
lib.bgsync_close.argtypes = [ctypes.c_void_p]
lib.bgsync_last_error_message.argtypes = [ctypes.c_void_p]
lib.bgsync_last_error_message.restype = ctypes.c_char_p
lib.bgsync_event_type_name.restype = ctypes.c_char_p
lib.bgsync_enqueue.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
                               ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                               ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
lib.bgsync_get_status.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.POINTER(Status))]
lib.bgsync_status_free.argtypes = [ctypes.POINTER(Status)]
lib.bgsync_watch.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int, Callback, ctypes.c_void_p]


def fail(client):
    sys.exit("bgsync_ctypes.py: " + lib.bgsync_last_error_message(client).decode())


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bgsync_ctypes.py URL [BODY]")
    url = sys.argv[1].encode()
    body = (sys.argv[2] if len(sys.argv) > 2 else "hello from ctypes").encode()

    client = ctypes.c_void_p()
    if lib.bgsync_connect(None, b"bgsync_ctypes.py", 0, ctypes.byref(client)) != 0:
        fail(None)
    # The events to watch come after the newest one now.
    status = ctypes.POINTER(Status)()
    if lib.bgsync_get_status(client, ctypes.byref(status)) != 0:
        fail(client)
    since = status.contents.last_seq
    lib.bgsync_status_free(status)

    names = (ctypes.c_char_p * 1)(b"Content-Type")
    values = (ctypes.c_char_p * 1)(b"text/plain")
    action_id = ctypes.create_string_buffer(37)  # BGSYNC_ID_SIZE
    if lib.bgsync_enqueue(client, b"POST", url, names, values, 1, body, len(body), None, b"ctypes", action_id) != 0:
        fail(client)
    print("queued", action_id.value.decode(), flush=True)

    def on_event(event, _userdata):
        event = event.contents
        if event.id != action_id.value:
            return 0
        status = f" (HTTP {event.status})" if event.status else ""
        print(lib.bgsync_event_type_name(event.type).decode() + status, flush=True)
        return 1 if event.type in (EVENT_SENT, EVENT_FAILED) else 0

    code = lib.bgsync_watch(client, None, since, 30000, Callback(on_event), None)
    if code == ERR_TIMEOUT:
        print("not sent yet; bgsyncd will send it later")
    elif code != 0:
        fail(client)
    lib.bgsync_close(client)


if __name__ == "__main__":
    main()
