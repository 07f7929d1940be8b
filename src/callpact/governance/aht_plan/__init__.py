"""The AHT-reduction plan: dated measures with owners, and the target trajectory."""
