"""Roster files (花名册): reading, parsing, the all-or-nothing import, the template and the export."""
