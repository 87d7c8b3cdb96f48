import sys

from tracking.cli.main import main

sys.exit(main())
