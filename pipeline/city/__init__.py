"""The whole city at once: build-all and its summary."""
