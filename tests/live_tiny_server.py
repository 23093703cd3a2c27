"""A throw-away Convex sync-protocol server for ProcessCaller tests (run as a subprocess).

``python tests/live_tiny_server.py`` prints ``READY http://127.0.0.1:PORT`` and serves:

- ``echo:args`` → its args object; ``big:list`` → ``{"n": k}`` for k in ``0..args.n``;
- ``stall:forever`` → never answers (pings keep the client waiting);
- ``fail:convexError`` → ``QueryFailed`` with ``errorData``; ``fail:plain`` → without;
- anything else → ``QueryFailed`` "Could not find public function for '…'".

Each ``Authenticate`` token is appended to the file named by ``--auth-log`` so tests can check
what key the client sent.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import struct
import time
from typing import Any

import websockets


def _u64(n: int) -> str:
    return base64.b64encode(struct.pack("<Q", n)).decode()


def _answer(path: str, args: dict[str, Any]) -> dict[str, Any] | None:
    path = path.replace(".js:", ":")
    if path == "echo:args":
        return {"type": "QueryUpdated", "value": args}
    if path == "big:list":
        return {"type": "QueryUpdated", "value": [{"n": float(k)} for k in range(int(args["n"]))]}
    if path == "stall:forever":
        return None
    if path == "fail:convexError":
        return {"type": "QueryFailed", "errorMessage": "bad since",
                "errorData": {"code": "BAD_SINCE"}}
    if path == "fail:plain":
        return {"type": "QueryFailed", "errorMessage": "Scanned too many documents"}
    return {"type": "QueryFailed",
            "errorMessage": f"Could not find public function for '{path}'. Did you forget to run"
                            " `npx convex dev`?"}


async def _session(ws: Any, auth_log: str | None) -> None:
    version = {"querySet": 0, "identity": 0, "ts": _u64(0)}

    async def pinger() -> None:
        while True:
            await asyncio.sleep(5)
            await ws.send('{"type":"Ping"}')

    ping_task = asyncio.create_task(pinger())
    try:
        async for raw in ws:
            msg = json.loads(raw)
            if msg["type"] == "ModifyQuerySet":
                mods = []
                for m in msg["modifications"]:
                    if m["type"] == "Remove":
                        mods.append({"type": "QueryRemoved", "queryId": m["queryId"]})
                        continue
                    answer = _answer(m["udfPath"], m["args"][0])
                    if answer is not None:
                        mods.append({**answer, "queryId": m["queryId"], "logLines": [],
                                     "journal": None})
                end = dict(version, querySet=msg["newVersion"], ts=_u64(time.time_ns()))
            elif msg["type"] == "Authenticate":
                if auth_log:
                    with open(auth_log, "a") as fh:
                        fh.write(f"{msg.get('tokenType')} {msg.get('value')}\n")
                mods, end = [], dict(version, identity=msg["baseVersion"] + 1)
            else:
                continue
            await ws.send(json.dumps({"type": "Transition", "startVersion": version,
                                      "endVersion": end, "modifications": mods}))
            version = end
    except websockets.ConnectionClosed:
        pass
    finally:
        ping_task.cancel()


async def _main(auth_log: str | None) -> None:
    async with websockets.serve(lambda ws: _session(ws, auth_log), "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"READY http://127.0.0.1:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--auth-log")
    asyncio.run(_main(parser.parse_args().auth_log))
