"""The duty desk (值班台): ``govpatrol web``, a server-rendered page for the people on duty.

Starlette routes render Jinja2 templates (autoescaped) over the same Elasticsearch as the command
line, with no client-side script. :mod:`govpatrol.web.app` assembles the app; each page is a module
with its ``ROUTES``; :mod:`govpatrol.web.security` holds the guards (CSP, sessions, CSRF, login limit).
"""
