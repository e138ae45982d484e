"""The render_sdk pytest plugin is tested as users meet it: in pytest runs of their own."""

pytest_plugins = ["pytester"]
