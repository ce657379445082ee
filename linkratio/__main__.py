"""`python -m linkratio`: the same as the `linkratio` command."""

from __future__ import annotations

import sys

from linkratio.cli import main

if __name__ == "__main__":
    sys.exit(main())
