"""framekit: real-time voice AI agents as pipelines of typed frames."""

__version__ = "0.1.0"

__all__ = ["__version__"]
