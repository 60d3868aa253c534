"""evidence-review: audit a consumer-health article against the sources it cites."""

__version__ = "0.1.0"
