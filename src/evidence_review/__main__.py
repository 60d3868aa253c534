import sys

try:  # Ctrl-C while the package is still importing: one line, not a traceback
    from evidence_review.cli.main import main
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    raise SystemExit(130) from None

# The guard matters: Dask's worker processes are spawned, and spawning imports the parent's main
# module again (as __mp_main__); without it, each worker would run the command a second time.
if __name__ == "__main__":
    raise SystemExit(main())
