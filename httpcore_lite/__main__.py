"""``python -m httpcore_lite``: see httpcore_lite.cli."""

import sys

from .cli import main

sys.exit(main())
