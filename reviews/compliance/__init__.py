"""Compliance: the rules as data, their evaluation, stored results and roll-ups, dashboards, 情况通报."""
