"""The operations dashboard.

Server-rendered pages, SVG charts and the metric series they plot.
"""
