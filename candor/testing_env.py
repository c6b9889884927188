"""A pytest plugin loaded with ``-p`` before Django's settings are imported.

Settings fail closed (production) unless ``CANDOR_ENV`` says otherwise, and pytest-django
imports them before any conftest runs, so the test environment is chosen here.
"""

import os

os.environ.setdefault("CANDOR_ENV", "test")
