"""The demo plants: `manage.py seed_demo` calls employees.demo.services.demo_seed()."""
