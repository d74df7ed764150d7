"""Annual and monthly study plans, their filing (备案), district templates and the oversight of study."""
