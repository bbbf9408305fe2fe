"""``python -m govpatrol``: the command line."""

import sys

from govpatrol.cli import main

sys.exit(main())
