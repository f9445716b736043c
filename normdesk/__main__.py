from normdesk.cli import main

raise SystemExit(main())
