"""The browser companion's host side: native messaging from the extension to the call spool."""
