from journal.cli.main import main

raise SystemExit(main())
