"""agentprobe: health checks for work-from-home contact-center agents."""

__version__ = "0.1.0"
