"""Tools around the dashboard: benchmarks and the demonstration-data generator."""
