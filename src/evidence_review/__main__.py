from evidence_review.cli import main

raise SystemExit(main())
