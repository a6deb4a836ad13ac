"""Reproductions of the signatures part of cognax (registered in :data:`REPRODUCTIONS`)."""

from __future__ import annotations

REPRODUCTIONS: list = []
