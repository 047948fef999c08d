"""The basement: sockets, TLS, HTTP/1.1 framing and the connection pool.

Nothing here knows about Sessions, auth or redirects.
"""
