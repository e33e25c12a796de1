"""The settings of the surge benchmark's server only (bench/surge.py puts bench/ on PYTHONPATH): the product's, read
from the same environment, with the URL conf that adds the bare view (bench/surge_urls.py)."""

from apart.settings import *  # noqa: F403

ROOT_URLCONF = "surge_urls"
