from evidence_review.cli.main import main

# The guard matters: Dask's worker processes are spawned, and spawning imports the parent's main
# module again (as __mp_main__); without it, each worker would run the command a second time.
if __name__ == "__main__":
    raise SystemExit(main())
