"""Roster files (花名册): interface only until the import is written."""
