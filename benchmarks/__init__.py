"""casetrail's benchmarks: each figure is printed beside a ceiling measured in the same run."""
