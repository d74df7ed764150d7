"""党费 demo data for seed_demo."""
