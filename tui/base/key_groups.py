"""Groups of key bindings that the key table sets and the key bar reads (Textual keeps a binding's group through its
own copies of the binding)."""

from __future__ import annotations

from textual.binding import Binding

# A key the key bar shows only where it fits without another row or shorter descriptions, and pushes no key off.
SPARE = Binding.Group("shown when there is room")
