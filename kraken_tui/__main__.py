from kraken_tui.cli import main

raise SystemExit(main())
