from siliconchat.cli import main

raise SystemExit(main())
