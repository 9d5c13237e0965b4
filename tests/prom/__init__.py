"""A real Prometheus (Debian's binary) scraping a Linkerd-style test exporter, plus a fault front for it."""
