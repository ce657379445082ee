"""Fake servers on 127.0.0.1 for the tests: the X API, Bluesky and Mastodon, web sites,
a webhook receiver (all on `base.FakeServer`) and an SMTP server (aiosmtpd)."""
