"""The decision engine: value model, optimizer, robustness and group analysis.

Plain Python with no Flask import, so the API, the CLI and the tests share it.
"""

ENGINE_VERSION = "0.1.0"
