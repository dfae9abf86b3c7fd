import sys

from lscsb_data.cli import main

sys.exit(main())
