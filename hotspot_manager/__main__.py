from hotspot_manager.cli import main

raise SystemExit(main())
