"""The agent as a service: the daemon loop, scheduling, call detection, the outbox and
uploader, enrolment, the status files and the tray icon.

Modules here import only what the resident daemon needs; the tray (pystray) and the
checks' heavy libraries load lazily, so the background process stays small.
"""
