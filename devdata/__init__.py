"""Development data, imported by no product code: the demo plants (`manage.py seed_demo`, demo/) and the
scale dataset for benchmarks (`manage.py generate_scale_data`, scale/)."""
