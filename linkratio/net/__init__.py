"""The network: the HTTP policy, one client per platform, and the SSRF guard."""
