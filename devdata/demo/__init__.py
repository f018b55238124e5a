"""The demo plants: `manage.py seed_demo` calls devdata.demo.services.demo_seed()."""
