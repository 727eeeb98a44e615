"""capdesk: local, private captions and alt text for photos."""

__version__ = "0.1.0"
