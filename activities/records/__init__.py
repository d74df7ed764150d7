"""Filed records: filing, amendments, content hashes and their verification."""
