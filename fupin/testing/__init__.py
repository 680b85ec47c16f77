"""Test support shared by every app: the personas and their worlds (worlds.py) and the browser
harness (browser.py). Nothing here is imported by shipped code."""
