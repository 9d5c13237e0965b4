"""Test-wide settings: a fixed time zone and no animations, so screens are the same on every machine."""

import os
import time

os.environ["TZ"] = "UTC"
time.tzset()
os.environ["TEXTUAL_ANIMATIONS"] = "none"
