"""A build, stage by stage: jobs, output paths, the one render path and its translation gate,
the manifest, the handout library site, and the executors that run the jobs."""
