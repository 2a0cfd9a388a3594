"""Entry point of ``python -m tuning``."""

import sys

from tuning.cli import main

sys.exit(main())
