"""Many pages at once: scan a site into one store, ask it questions, report, recheck, on Dask."""
