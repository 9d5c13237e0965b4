"""A real Prometheus (Debian's binary) scraping a test exporter of Linkerd's, Istio's, NGINX's or an app's own series,
plus a fault front for it."""
