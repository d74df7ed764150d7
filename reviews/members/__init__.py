"""Member rules: M1 flags with the 批评教育 talk, M2 双重组织生活, M3 study hours, O1 structure."""
