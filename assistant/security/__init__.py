"""The trust layer: who is calling (API keys, SSO tokens), what they may read (access labels),
what they did (audit), and how much they may ask (rate and size limits).

    request ─► TrustMiddleware: body size, credential → Principal (key / JWT), widget origin
            ─► route guard (assistant/api/auth.py): role → permission, rate limit
            ─► handler: Principal.access_labels() → SearchFilters.access; audit row
"""
