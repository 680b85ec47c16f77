"""`python -m fupin.cli …`: the same command as `fupin …`."""

import sys

from fupin.cli import main

sys.exit(main())
