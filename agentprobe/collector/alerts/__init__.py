"""Alerts: rules with hysteresis over the stored reports, and webhook deliveries with retries."""
