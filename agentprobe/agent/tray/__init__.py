"""The tray icon.

Pystray where it works, our own single-threaded XEMBED icon and menu on plain X11.
"""
