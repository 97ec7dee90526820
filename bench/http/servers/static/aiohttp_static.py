"""aiohttp (Debian's python3-aiohttp): add_static('/static', dir), access log off."""
import os

from aiohttp import web

app = web.Application()
app.router.add_static('/static', os.environ['STATIC_DIR'])
web.run_app(app, host='127.0.0.1', port=int(os.environ.get('PORT', '3000')),
            backlog=int(os.environ.get('BACKLOG', '511')), access_log=None, print=None)
