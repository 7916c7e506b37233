from handoutgen.cli import main

raise SystemExit(main())
