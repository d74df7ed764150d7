"""Members' study tasks (我的学习), study hours and the leading cadres' self-study plans."""
