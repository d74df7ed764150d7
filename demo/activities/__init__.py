"""The organisational-life demo: a year so far of meetings, attendance, filings, talks, commitments and posts.
Names with a leading underscore are private to this package."""
