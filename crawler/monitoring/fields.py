"""The article fields whose coverage the monitors count (a module of its own: the settings
check reads it without loading the site registry)."""

from __future__ import annotations

MONITORED_FIELDS = ("title", "date", "body", "lead_image", "source", "editor")
