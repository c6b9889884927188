"""Candor: mandatory AI upskilling without surveillance."""
