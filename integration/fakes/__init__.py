"""Fakes for the sipproxyd integration suite: SIP Server, raw client, message helpers."""
