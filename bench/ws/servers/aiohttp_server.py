"""aiohttp 3.x, as its docs write a WebSocket handler: the same four paths as
the Node servers (see env.ts). Run with Debian's /usr/bin/python3."""
import gc
import os

from aiohttp import WSMsgType, web

HOST = '127.0.0.1'
PORT = int(os.environ.get('PORT', '3000'))
BACKLOG = int(os.environ.get('BACKLOG', '4096'))
PAYLOAD = 'b' * 1024
SUBS = web.AppKey('subs', set) if hasattr(web, 'AppKey') else 'subs'


async def index(request):
    return web.Response(text='ok')


async def collect(request):
    gc.collect()
    return web.Response(text='ok')


async def echo(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


async def sub(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    subs = request.app[SUBS]
    subs.add(ws)
    try:
        async for _msg in ws:
            pass
    finally:
        subs.discard(ws)
    return ws


async def broadcast(request):
    subs = request.app[SUBS]
    for ws in list(subs):
        await ws.send_str(PAYLOAD)
    return web.Response(text=str(len(subs)))


def main():
    app = web.Application()
    app[SUBS] = set()
    app.router.add_get('/', index)
    app.router.add_get('/echo', echo)
    app.router.add_get('/sub', sub)
    app.router.add_get('/broadcast', broadcast)
    app.router.add_get('/gc', collect)
    print(f'aiohttp listening on ws://{HOST}:{PORT} pid {os.getpid()}', flush=True)
    web.run_app(app, host=HOST, port=PORT, backlog=BACKLOG, access_log=None, print=None)


if __name__ == '__main__':
    main()
