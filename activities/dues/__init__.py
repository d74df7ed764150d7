"""党费: dues brackets, the members' bases, the monthly ledger and its per-branch roll-up."""
