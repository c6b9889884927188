"""The breach drill: ``candor breach-drill`` (see drill.py and docs/privacy.md)."""
