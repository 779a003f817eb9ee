"""siliconchat: a terminal chat client for the SiliconFlow API."""

__version__ = "0.1.0"
