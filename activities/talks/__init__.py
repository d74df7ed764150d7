"""The per-member records of the year: 谈心谈话, 承诺践诺 and 党员先锋岗."""
