"""The local HTTP API (``normdesk serve``), its API keys and its webhooks. No Qt here.

- ``keys.KeyStore``: hashed API keys with permissions and an expiry (``normdesk api-key``).
- ``webhooks.WebhookStore`` / ``webhooks.Deliverer``: signed job-event POSTs (``normdesk webhook``).
- ``app.create_app(service)``: the FastAPI app under ``/api/v1``.
- ``server.ApiServer``: the app on uvicorn plus webhook delivery, over one job queue.

Needs the ``api`` extra (fastapi, uvicorn, python-multipart) for the app and the server; the key
and webhook stores need only the core.
"""
