from ostui.cli import main

raise SystemExit(main())
