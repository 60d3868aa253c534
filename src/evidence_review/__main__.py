from evidence_review.cli.main import main

raise SystemExit(main())
