"""Study materials (学习资料) and their read records."""
