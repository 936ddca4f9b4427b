"""The HTTP face of logsieve: ``create_app(settings)`` builds the FastAPI app."""

from .app import create_app

__all__ = ["create_app"]
