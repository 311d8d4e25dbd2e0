import sys

from diag.app.cli import main

sys.exit(main())
