"""Example task modules bundled with the local server (``render_sdk.local.examples.demo``)."""
